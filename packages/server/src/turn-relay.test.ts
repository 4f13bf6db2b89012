import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { iceServersFor, type TurnRelay, turnCredential } from "./turn-relay.ts";

const RELAY: TurnRelay = {
  urls: ["turn:192.0.2.7:3478?transport=udp", "turns:192.0.2.7:443?transport=tcp"],
  secret: "north-wind-and-the-sun",
  credentialTtlSeconds: 3600,
};
const ALICE = "AAAAAAAAAAAAAAAA" as ParticipantId;

describe("TURN credentials", () => {
  it("follow the TURN REST convention: expiry:id, and base64 HMAC-SHA1 of it under the secret", () => {
    const now = Date.UTC(2027, 0, 1);
    const server = turnCredential(RELAY, ALICE, now);
    assert.equal(server.username, `${now / 1000 + 3600}:${ALICE}`);
    // Computed apart from the code under test, as coturn does with use-auth-secret.
    const expected = createHmac("sha1", "north-wind-and-the-sun")
      .update(server.username)
      .digest("base64");
    assert.equal(server.credential, expected);
    assert.equal(server.credential, "4Kp8XwmtfEre2zlpDo10MX15Bm8=");
    assert.deepEqual(server.urls, RELAY.urls);
  });

  it("differ per participant and per secret, and never contain the secret", () => {
    const now = Date.now();
    const alice = turnCredential(RELAY, ALICE, now);
    const bob = turnCredential(RELAY, "BBBBBBBBBBBBBBBB" as ParticipantId, now);
    const other = turnCredential({ ...RELAY, secret: "another-shared-secret" }, ALICE, now);
    assert.notEqual(alice.credential, bob.credential);
    assert.notEqual(alice.credential, other.credential);
    assert.equal(JSON.stringify(alice).includes(RELAY.secret), false);
  });

  it("are handed out only when a relay is configured", () => {
    assert.deepEqual(iceServersFor(null, ALICE), []);
    assert.equal(iceServersFor(RELAY, ALICE).length, 1);
  });
});
