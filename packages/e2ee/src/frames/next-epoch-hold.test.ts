import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { NextEpochHold } from "./next-epoch-hold.ts";

describe("NextEpochHold", () => {
  it("releases held frames oldest first when told the epoch changed", () => {
    const hold = new NextEpochHold<string>({ now: () => 0 });
    assert.ok(hold.hold("a"));
    assert.ok(hold.hold("b"));
    assert.equal(hold.size, 2);
    assert.deepEqual(hold.release(), ["a", "b"]);
    assert.deepEqual(hold.release(), []);
    assert.deepEqual(hold.stats(), { held: 0, released: 2, expired: 0, overflow: 0 });
  });

  it("drops and counts frames older than the maximum age", () => {
    let clock = 1000;
    const hold = new NextEpochHold<number>({ maxAgeMs: 500, now: () => clock });
    hold.hold(1);
    clock += 300;
    hold.hold(2);
    clock += 200; // frame 1 is exactly 500 ms old: still kept
    assert.equal(hold.size, 2);
    clock += 1; // now 501 ms
    assert.deepEqual(hold.release(), [2]);
    hold.hold(3);
    clock += 501;
    assert.equal(hold.expire(), 1);
    assert.deepEqual(hold.stats(), { held: 0, released: 1, expired: 2, overflow: 0 });
  });

  it("refuses and counts frames beyond the maximum count, keeping the earliest", () => {
    const hold = new NextEpochHold<number>({ maxFrames: 3, now: () => 0 });
    const accepted = [1, 2, 3, 4, 5].map((n) => hold.hold(n));
    assert.deepEqual(accepted, [true, true, true, false, false]);
    assert.deepEqual(hold.release(), [1, 2, 3]);
    assert.equal(hold.stats().overflow, 2);
  });

  it("defaults to 50 frames and 500 ms; clear() counts what it drops", () => {
    let clock = 0;
    const hold = new NextEpochHold<number>({ now: () => clock });
    for (let i = 0; i < 60; i++) hold.hold(i);
    assert.equal(hold.size, 50);
    clock = 500;
    assert.equal(hold.size, 50);
    hold.clear();
    assert.deepEqual(hold.stats(), { held: 0, released: 0, expired: 50, overflow: 10 });
  });

  it("rejects nonsense limits", () => {
    assert.throws(() => new NextEpochHold({ maxFrames: 0 }), { code: "E2EE_USAGE" });
    assert.throws(() => new NextEpochHold({ maxAgeMs: -1 }), { code: "E2EE_USAGE" });
  });
});
