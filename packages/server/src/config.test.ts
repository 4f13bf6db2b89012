import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, describeConfig, readConfig } from "./config.ts";

describe("configuration", () => {
  it("has defaults that serve localhost on 8080 with loopback announced", () => {
    const config = readConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.tls, null);
    assert.deepEqual(config.announcedAddresses, ["127.0.0.1"]);
    assert.equal(config.maxParticipants, 16);
  });

  it("reads every variable", () => {
    const config = readConfig({
      PORT: "443",
      HOST: "127.0.0.1",
      TLS_CERT_FILE: "/c.pem",
      TLS_KEY_FILE: "/k.pem",
      ANNOUNCED_ADDRESSES: "203.0.113.7, 127.0.0.1",
      RTC_MIN_PORT: "40000",
      RTC_MAX_PORT: "40100",
      MAX_PARTICIPANTS: "8",
      LOG_LEVEL: "warn",
    });
    assert.deepEqual(config.tls, { certFile: "/c.pem", keyFile: "/k.pem" });
    assert.deepEqual(config.announcedAddresses, ["203.0.113.7", "127.0.0.1"]);
    assert.deepEqual(config.rtcPortRange, [40000, 40100]);
    assert.equal(describeConfig(config).tls, "on", "paths to key files are not printed");
  });

  it("refuses bad values with a message naming the variable", () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ PORT: "eighty" }, /PORT/],
      [{ PORT: "70000" }, /PORT/],
      [{ TLS_CERT_FILE: "/c.pem" }, /TLS_KEY_FILE/],
      [{ RTC_MIN_PORT: "40000" }, /RTC_MAX_PORT/],
      [{ RTC_MIN_PORT: "5000", RTC_MAX_PORT: "4000" }, /RTC_MIN_PORT/],
      [{ ANNOUNCED_ADDRESSES: "example.org" }, /ANNOUNCED_ADDRESSES/],
      [{ MAX_PARTICIPANTS: "1" }, /MAX_PARTICIPANTS/],
      [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
    ];
    for (const [env, message] of bad) {
      assert.throws(
        () => readConfig(env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    }
  });

  it("switches attacks on only with the test flag, and only known ones", () => {
    assert.deepEqual(readConfig({}).attacks, []);
    assert.throws(() => readConfig({ ATTACKS: "forge-proof" }), /HOSTILE_SERVER_TEST/);
    assert.throws(
      () => readConfig({ ATTACKS: "forge-proof,nope", HOSTILE_SERVER_TEST: "1" }),
      /"nope"/,
    );
    const config = readConfig({ ATTACKS: "forge-proof, fake-group", HOSTILE_SERVER_TEST: "1" });
    assert.deepEqual(config.attacks, ["forge-proof", "fake-group"]);
  });
});
