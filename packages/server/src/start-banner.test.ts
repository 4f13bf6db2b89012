import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type Reach, startBanner, worksForCamera } from "./start-banner.ts";

const HTTP: Reach = {
  scheme: "http",
  port: 8080,
  local: true,
  others: ["192.168.1.20", "office-box"],
  selfSignedFingerprint: null,
  media: "UDP and TCP port 10000",
  relays: [],
};

describe("the start banner", () => {
  it("lists localhost and every LAN address, and says which give camera and microphone", () => {
    const text = startBanner(HTTP);
    assert.match(text, /on this machine +http:\/\/localhost:8080 +camera and microphone work/);
    assert.match(
      text,
      /from other machines +http:\/\/192\.168\.1\.20:8080 +no camera or microphone: not https/,
    );
    assert.match(text, /http:\/\/office-box:8080 +no camera or microphone/);
    assert.match(text, /HTTPS=self-signed/, "it says how to get https");
    assert.match(text, /Media: UDP and TCP port 10000\./);
  });

  it("over its own certificate, prints the fingerprint to compare", () => {
    const fingerprint = "AB:CD:EF";
    const text = startBanner({
      ...HTTP,
      scheme: "https",
      selfSignedFingerprint: fingerprint,
      relays: ["turns:relay.example.org:443?transport=tcp"],
    });
    assert.match(text, /https:\/\/192\.168\.1\.20:8080 +camera and microphone work/);
    assert.match(text, /\n {2}AB:CD:EF\n/);
    assert.doesNotMatch(text, /HTTPS=self-signed/);
    assert.match(text, /TURN relays: turns:relay\.example\.org:443\?transport=tcp\./);
  });

  it("says when other machines cannot reach it at all", () => {
    const text = startBanner({ ...HTTP, others: [] });
    assert.match(text, /not reachable from other machines/);
  });

  it("knows which origins browsers treat as secure", () => {
    assert.equal(worksForCamera("http", "localhost"), true);
    assert.equal(worksForCamera("http", "127.0.0.1"), true);
    assert.equal(worksForCamera("http", "192.168.1.20"), false);
    assert.equal(worksForCamera("https", "192.168.1.20"), true);
  });
});
