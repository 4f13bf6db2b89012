import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { StreamCounter } from "./stream-counter.ts";

describe("stream counter", () => {
  it("counts no loss for an unbroken stream across the sequence wrap", () => {
    const counter = new StreamCounter();
    for (let i = 0; i < 100; i++) counter.record((65_500 + i) & 0xffff, 10);
    assert.deepEqual(counter.counts(), { packets: 100, bytes: 1000, lost: 0 });
  });

  it("counts the packets missing from gaps", () => {
    const counter = new StreamCounter();
    for (const seq of [65_534, 65_535, 2, 3, 7]) counter.record(seq, 1);
    assert.equal(counter.counts().lost, 5); // 0, 1, 4, 5, 6
  });

  it("does not count reordered packets as lost", () => {
    const counter = new StreamCounter();
    for (const seq of [1, 3, 2, 4]) counter.record(seq, 1);
    assert.equal(counter.counts().lost, 0);
  });

  it("never reports negative loss for duplicates", () => {
    const counter = new StreamCounter();
    for (const seq of [1, 1, 2, 2]) counter.record(seq, 1);
    assert.equal(counter.counts().lost, 0);
  });
});
