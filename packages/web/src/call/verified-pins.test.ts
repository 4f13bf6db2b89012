import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VerifiedPins } from "./verified-pins.ts";

class MemoryStorage {
  readonly items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
}

const ADA = "ab12 cd34 ef56 7890";
const OTHER = "1111 2222 3333 4444";

describe("verified pins", () => {
  it("marks a verified fingerprint, and keeps it across page loads", () => {
    const storage = new MemoryStorage() as unknown as Storage;
    const pins = new VerifiedPins(storage);
    assert.equal(pins.check("Ada", ADA), "unverified");
    pins.verify("Ada", ADA);
    assert.equal(new VerifiedPins(storage).check("Ada", ADA), "verified");
  });

  it("calls a verified name with another fingerprint a key change, whatever the case", () => {
    const pins = new VerifiedPins(new MemoryStorage() as unknown as Storage);
    pins.verify("Ada", ADA);
    assert.equal(pins.check("ada", OTHER), "key-changed");
    assert.equal(pins.check("Ada (1111)", OTHER), "key-changed");
    assert.equal(pins.check("Bob", OTHER), "unverified");
    pins.forget(ADA);
    assert.equal(pins.check("Ada", OTHER), "unverified");
  });

  it("ignores stored data that is not its own shape", () => {
    const storage = new MemoryStorage();
    storage.setItem("conclave.verified", JSON.stringify({ "not a fingerprint": "x", [ADA]: 3 }));
    const pins = new VerifiedPins(storage as unknown as Storage);
    assert.deepEqual(pins.state.byFingerprint, {});
  });

  it("marks on tiles only members verified with the key they have now, never ourselves", () => {
    const pins = new VerifiedPins(new MemoryStorage() as unknown as Storage);
    const entry = (leaf: number, name: string, fingerprint: string, self = false) => ({
      leaf,
      name,
      fingerprint,
      self,
      nameConfirmed: true,
      comparison: null,
    });
    pins.verify("Ada", ADA);
    pins.verify("Me", "9999 8888 7777 6666");
    const roster = [
      entry(0, "Me", "9999 8888 7777 6666", true),
      entry(1, "Ada", ADA),
      entry(2, "Ada (1111)", OTHER),
      entry(3, "Bob", "5555 6666 7777 8888"),
    ];
    assert.deepEqual(pins.verifiedLeaves(roster), [1]);
    pins.forget(ADA);
    assert.deepEqual(pins.verifiedLeaves(roster), []);
  });
});
