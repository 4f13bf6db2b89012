import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { IceServerSchema, TURN_URL_PATTERN } from "./relays.ts";

describe("TURN relay URLs", () => {
  it("takes turn: and turns: with an address or a name, a port and a transport", () => {
    for (const url of [
      "turn:192.0.2.7",
      "turn:192.0.2.7:3478?transport=udp",
      "turn:relay.example.org:3478?transport=tcp",
      "turns:relay.example.org:443?transport=tcp",
      "turn:[2001:db8::7]:3478",
    ]) {
      assert.match(url, TURN_URL_PATTERN, url);
    }
  });

  it("refuses anything else a browser would read in its ICE configuration", () => {
    for (const url of [
      "stun:192.0.2.7:3478",
      "turn:",
      "turn:user:pass@relay.example.org",
      "turn:relay.example.org:3478?transport=sctp",
      "turn:relay.example.org:3478?transport=udp&x=1",
      "turn:relay example.org",
      "https://relay.example.org",
      " turn:relay.example.org",
    ]) {
      assert.doesNotMatch(url, TURN_URL_PATTERN, url);
    }
  });

  it("an ICE server entry has at least one URL, a username and a credential", () => {
    const ok = { urls: ["turn:192.0.2.7"], username: "1:AAAA", credential: "c2VjcmV0" };
    assert.equal(IceServerSchema.safeParse(ok).success, true);
    assert.equal(IceServerSchema.safeParse({ ...ok, urls: [] }).success, false);
    assert.equal(IceServerSchema.safeParse({ ...ok, credential: "" }).success, false);
    assert.equal(IceServerSchema.safeParse({ ...ok, credentialType: "oauth" }).success, false);
  });
});
