import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  FrameTiming,
  frameBudgetMs,
  median,
  TIMED_FRAMES,
  WARMUP_FRAMES,
} from "./effect-timing.ts";

/** A timing past its warm-up frames, which are slow and not counted. */
function warmedUp(budgetMs: number): FrameTiming {
  const timing = new FrameTiming(budgetMs);
  for (let i = 0; i < WARMUP_FRAMES; i++) assert.deepEqual(timing.record(500), { kind: "timing" });
  return timing;
}

describe("effect timing", () => {
  it("allows half a frame interval, 30 fps when the camera does not say", () => {
    assert.equal(frameBudgetMs(20), 25);
    assert.equal(frameBudgetMs(undefined), 1000 / 30 / 2);
    assert.equal(frameBudgetMs(0), 1000 / 30 / 2);
  });

  it("decides once, after the warm-up and the timed frames, on the median", () => {
    const timing = warmedUp(10);
    for (let i = 0; i < TIMED_FRAMES - 1; i++) {
      // A few slow outliers (the model's first runs) do not decide it.
      assert.deepEqual(timing.record(i < 5 ? 100 : 4), { kind: "timing" });
    }
    assert.deepEqual(timing.record(4), { kind: "fast", medianMs: 4 });
    assert.deepEqual(timing.record(500), { kind: "timing" });
  });

  it("finds a device too slow when the median is over the budget", () => {
    const timing = warmedUp(10);
    let verdict = timing.record(12);
    for (let i = 1; i < TIMED_FRAMES; i++) verdict = timing.record(i % 3 === 0 ? 2 : 12);
    assert.deepEqual(verdict, { kind: "slow", medianMs: 12, budgetMs: 10 });
  });

  it("takes the middle of an even count", () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
  });
});
