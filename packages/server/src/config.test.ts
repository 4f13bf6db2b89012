import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { ConfigError, describeConfig, readConfig } from "./config.ts";

describe("configuration", () => {
  it("has defaults that serve localhost on 8080 with loopback announced", () => {
    const config = readConfig({});
    assert.equal(config.port, 8080);
    assert.equal(config.tls, null);
    assert.deepEqual(config.announcedAddresses, ["127.0.0.1"]);
    assert.equal(config.maxParticipants, 100);
    assert.equal(config.workers, availableParallelism(), "one worker per core");
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
      WORKERS: "3",
    });
    assert.equal(config.workers, 3);
    assert.deepEqual(config.tls, { kind: "files", certFile: "/c.pem", keyFile: "/k.pem" });
    assert.deepEqual(config.announcedAddresses, ["203.0.113.7", "127.0.0.1"]);
    assert.deepEqual(config.rtcPortRange, [40000, 40100]);
    assert.equal(describeConfig(config).tls, "files", "paths to key files are not printed");
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
      [{ WORKERS: "0" }, /WORKERS/],
      [{ WORKERS: "2", RTC_MIN_PORT: "40000", RTC_MAX_PORT: "40000" }, /WORKERS/],
      [{ LOG_LEVEL: "loud" }, /LOG_LEVEL/],
      [{ TRUSTED_PROXIES: "10.0.0.1, proxy.example" }, /TRUSTED_PROXIES/],
      [{ TRUSTED_PROXIES: "10.0.0.0/33" }, /TRUSTED_PROXIES/],
      [{ MAX_CONNECTIONS: "10", MAX_CONNECTIONS_PER_ADDRESS: "20" }, /PER_ADDRESS/],
      [{ GATE_FAILURES_PER_MINUTE: "0" }, /GATE_FAILURES_PER_MINUTE/],
      [{ METRICS_ADDRESS: "0.0.0.0" }, /METRICS_ADDRESS/],
      [{ METRICS_ADDRESS: "metrics:9000" }, /METRICS_ADDRESS/],
      [{ METRICS_TOKEN: "short" }, /METRICS_TOKEN/],
      [{ HTTPS: "yes" }, /HTTPS/],
      [{ ICE_TCP: "yes" }, /ICE_TCP/],
      [{ TURN_URLS: "turn:192.0.2.7" }, /TURN_SECRET must be set/],
      [{ TURN_URLS: "turn:192.0.2.7", TURN_SECRET: "too-short" }, /TURN_SECRET/],
      [{ TURN_SECRET: "a-long-enough-turn-secret" }, /TURN_URLS is not/],
      [{ TURN_URLS: "stun:192.0.2.7", TURN_SECRET: "a-long-enough-turn-secret" }, /TURN_URLS/],
      [
        {
          TURN_URLS: "turn:192.0.2.7",
          TURN_SECRET: "a-long-enough-turn-secret",
          TURN_CREDENTIAL_TTL_S: "10",
        },
        /TURN_CREDENTIAL_TTL_S/,
      ],
      [{ HTTPS: "self-signed", TLS_CERT_FILE: "/c.pem", TLS_KEY_FILE: "/k.pem" }, /not both/],
    ];
    for (const [env, message] of bad) {
      assert.throws(
        () => readConfig(env),
        (e: unknown) => e instanceof ConfigError && message.test(e.message),
      );
    }
  });

  it("serves HTTPS with its own certificate, kept in the data folder, when asked", () => {
    assert.deepEqual(readConfig({ HTTPS: "self-signed", DATA_DIR: "/srv/conclave" }).tls, {
      kind: "self-signed",
      dir: "/srv/conclave/tls",
    });
    assert.match(readConfig({}).dataDir, /\/data$/, "the repository's ignored data folder");
  });

  it("offers ICE over TCP unless told not to", () => {
    assert.equal(readConfig({}).iceTcp, true);
    assert.equal(readConfig({ ICE_TCP: "off" }).iceTcp, false);
  });

  it("reads the TURN relay, and never prints its secret", () => {
    assert.equal(readConfig({}).turn, null);
    const secret = "a-long-enough-turn-secret";
    const config = readConfig({
      TURN_URLS: "turn:192.0.2.7:3478?transport=udp, turns:relay.example.org:443?transport=tcp",
      TURN_SECRET: secret,
    });
    assert.deepEqual(config.turn, {
      urls: ["turn:192.0.2.7:3478?transport=udp", "turns:relay.example.org:443?transport=tcp"],
      secret,
      credentialTtlSeconds: 86_400,
    });
    const printed = JSON.stringify(describeConfig(config));
    assert.equal(printed.includes(secret), false);
    assert.match(printed, /turns:relay\.example\.org:443/, "the URLs are printed");
  });

  it("needs no Redis unless REDIS_URL is set, and never prints its password", () => {
    assert.equal(readConfig({}).redis, null, "npm start needs no Redis");
    const config = readConfig({
      REDIS_URL: "redis://:hunter2hunter2@10.0.0.5:6379",
      NODE_ID: "node-a",
      LEASE_TTL_MS: "2000",
      NODE_URL: "ws://10.0.0.2:8080/ws",
    });
    assert.deepEqual(config.redis, {
      url: "redis://:hunter2hunter2@10.0.0.5:6379",
      nodeId: "node-a",
      leaseTtlMs: 2000,
      nodeUrl: "ws://10.0.0.2:8080/ws",
    });
    assert.ok(!JSON.stringify(describeConfig(config)).includes("hunter2"));
    for (const env of [
      { REDIS_URL: "http://10.0.0.5" },
      { REDIS_URL: "redis://x", NODE_ID: "a node" },
      { REDIS_URL: "redis://x", LEASE_TTL_MS: "10" },
      { REDIS_URL: "redis://x", NODE_URL: "http://10.0.0.2:8080" },
    ]) {
      assert.throws(() => readConfig(env), ConfigError);
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

  it("reads trusted proxies, caps and where metrics go, and never prints the metrics token", () => {
    const defaults = readConfig({});
    assert.deepEqual(defaults.trustedProxies, []);
    assert.deepEqual(defaults.metrics, { address: { host: "127.0.0.1", port: 9464 }, token: null });
    assert.deepEqual(defaults.budgets, { joins: 120, knocks: 10, gateFailures: 10 });
    const config = readConfig({
      TRUSTED_PROXIES: "127.0.0.1, 10.0.0.0/8, ::1",
      MAX_ROOMS: "50",
      MAX_ROOMS_PER_ADDRESS: "5",
      MAX_HELD_MIB: "64",
      METRICS_ADDRESS: "[::1]:9100",
      METRICS_TOKEN: "a-long-enough-metrics-token",
    });
    assert.deepEqual(config.trustedProxies, ["127.0.0.1", "10.0.0.0/8", "::1"]);
    assert.deepEqual(config.caps.rooms, { total: 50, perAddress: 5 });
    assert.equal(config.caps.heldBytes.total, 64 * 1024 * 1024);
    assert.deepEqual(config.metrics.address, { host: "::1", port: 9100 });
    assert.equal(readConfig({ METRICS_ADDRESS: "off" }).metrics.address, null);
    const printed = JSON.stringify(describeConfig(config));
    assert.equal(printed.includes("a-long-enough-metrics-token"), false);
  });
});
