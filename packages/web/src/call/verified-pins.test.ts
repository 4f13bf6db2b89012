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
});
