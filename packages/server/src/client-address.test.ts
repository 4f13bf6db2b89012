import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addressKey, ClientAddresses, isProxyRule } from "./client-address.ts";

describe("client addresses", () => {
  const behindProxy = new ClientAddresses(["127.0.0.1", "10.0.0.0/8", "::1"]);

  it("is the socket's peer when the peer is not a trusted proxy, whatever the header says", () => {
    assert.equal(behindProxy.of("198.51.100.7", "203.0.113.1"), "198.51.100.7");
    assert.equal(new ClientAddresses([]).of("127.0.0.1", "203.0.113.1"), "127.0.0.1");
  });

  it("from a trusted proxy, is the right-most hop that is not a trusted proxy", () => {
    assert.equal(behindProxy.of("127.0.0.1", "203.0.113.1"), "203.0.113.1");
    // The client wrote the left hops itself; the proxies appended the right ones.
    assert.equal(behindProxy.of("127.0.0.1", "6.6.6.6, 203.0.113.1, 10.1.2.3"), "203.0.113.1");
    assert.equal(behindProxy.of("::1", ["6.6.6.6", "2001:db8::5"]), "2001:db8::5");
    assert.equal(behindProxy.of("::ffff:127.0.0.1", "203.0.113.1"), "203.0.113.1");
    assert.equal(behindProxy.of("127.0.0.1", "203.0.113.1:5123"), "203.0.113.1");
    assert.equal(behindProxy.of("127.0.0.1", "[2001:db8::5]:443"), "2001:db8::5");
  });

  it("stops at a hop that is not an address: the proxy that passed it on stands for the client", () => {
    assert.equal(behindProxy.of("127.0.0.1", "203.0.113.1, unknown"), "127.0.0.1");
    assert.equal(behindProxy.of("127.0.0.1", "203.0.113.1, garbage, 10.0.0.9"), "10.0.0.9");
  });

  it("is the left-most hop when every hop is a trusted proxy, and the peer without a header", () => {
    assert.equal(behindProxy.of("127.0.0.1", "10.0.0.1, 10.0.0.2"), "10.0.0.1");
    assert.equal(behindProxy.of("127.0.0.1", undefined), "127.0.0.1");
    assert.equal(behindProxy.of(undefined, "203.0.113.1"), "unknown");
  });

  it("counts IPv6 clients by their /64 and IPv4 clients whole", () => {
    assert.equal(addressKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert.equal(addressKey("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
    assert.equal(addressKey("2001:db8::1"), "2001:db8:0:0::/64");
    assert.equal(addressKey("::1"), "0:0:0:0::/64");
    assert.equal(addressKey("203.0.113.1"), "203.0.113.1");
  });

  it("accepts addresses and CIDR blocks as proxies, nothing else", () => {
    for (const ok of ["127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32", "0.0.0.0/0"]) {
      assert.equal(isProxyRule(ok), true, ok);
    }
    for (const bad of ["proxy.local", "10.0.0.0/33", "::1/129", "10.0.0.0/8/1", "10.0.0.0/x", ""]) {
      assert.equal(isProxyRule(bad), false, bad);
    }
  });
});
