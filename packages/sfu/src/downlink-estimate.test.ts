import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DownlinkEstimate } from "./downlink-estimate.ts";

/** Feeds `seconds` one-second samples of `bps` sent at `loss`; the estimate after them. */
function run(estimate: DownlinkEstimate, seconds: number, bps: number, loss: number): number {
  for (let i = 0; i < seconds; i++) {
    estimate.update({ bitsSent: bps, lossFraction: loss, seconds: 1 });
  }
  return estimate.bitsPerSecond;
}

describe("downlink estimate (loss-based, draft-ietf-rmcat-gcc-02 §6)", () => {
  it("falls to what got through when a receiver loses more than 10 %", () => {
    const estimate = new DownlinkEstimate(1_500_000);
    // 700 kbit/s sent into a 300 kbit/s link: 57 % lost.
    assert.equal(estimate.update({ bitsSent: 700_000, lossFraction: 0.57, seconds: 1 }), true);
    assert.ok(estimate.bitsPerSecond < 700_000 * 0.75);
    estimate.update({ bitsSent: 400_000, lossFraction: 0.25, seconds: 1 });
    assert.ok(estimate.bitsPerSecond <= 350_000, String(estimate.bitsPerSecond));
  });

  it("holds between 2 and 10 % loss, and grows 8 % per second below", () => {
    const estimate = new DownlinkEstimate(400_000);
    assert.equal(estimate.update({ bitsSent: 300_000, lossFraction: 0.05, seconds: 1 }), false);
    assert.equal(estimate.bitsPerSecond, 400_000);
    estimate.update({ bitsSent: 300_000, lossFraction: 0, seconds: 1 });
    assert.equal(Math.round(estimate.bitsPerSecond), 432_000);
  });

  it("after loss it does not grow for 8 s, and each try that meets loss again waits twice as long", () => {
    const estimate = new DownlinkEstimate(1_500_000);
    // A 300 kbit/s link: 700 kbit/s meets loss, the low layer (180 kbit/s) gets through.
    run(estimate, 1, 700_000, 0.57);
    const fell = estimate.bitsPerSecond;
    assert.equal(run(estimate, 7, 180_000, 0), fell, "held for 8 s");
    assert.ok(run(estimate, 2, 180_000, 0) > fell, "then it tries again");
    let holds = 0;
    for (const expected of [16, 32, 60, 60]) {
      // The try sends the higher layer into the narrow link again: loss, and a longer hold.
      run(estimate, 1, 500_000, 0.4);
      const after = estimate.bitsPerSecond;
      assert.equal(run(estimate, expected - 1, 180_000, 0), after, `held ${expected} s`);
      assert.ok(run(estimate, 2, 180_000, 0) > after, `grows after ${expected} s`);
      holds++;
    }
    assert.equal(holds, 4);
  });

  it("a try that holds for 20 s without loss resets the hold to 8 s", () => {
    const estimate = new DownlinkEstimate(1_500_000);
    run(estimate, 1, 700_000, 0.57);
    run(estimate, 8, 180_000, 0);
    run(estimate, 1, 500_000, 0.4); // the first try fails: 16 s
    run(estimate, 16, 180_000, 0);
    run(estimate, 20, 500_000, 0); // the link widened: the next try lasts
    run(estimate, 1, 2_000_000, 0.3);
    const after = estimate.bitsPerSecond;
    assert.equal(run(estimate, 7, 500_000, 0), after);
    assert.ok(run(estimate, 2, 500_000, 0) > after, "held 8 s, not 32");
  });

  it("falls below what the receiver acknowledged when a queue builds, and holds as after loss", () => {
    const estimate = new DownlinkEstimate(1_500_000);
    estimate.overuse(400_000);
    assert.equal(estimate.bitsPerSecond, 340_000);
    assert.equal(estimate.holding, true);
    // A queue building again while it was already lower: it stays where it is.
    estimate.overuse(500_000);
    assert.equal(estimate.bitsPerSecond, 340_000);
  });

  it("grows back to what the link carried once the queue drained, and past it only after the hold", () => {
    const estimate = new DownlinkEstimate(1_500_000);
    estimate.overuse(400_000);
    estimate.update({ bitsSent: 300_000, lossFraction: 0, seconds: 1, delay: "underuse" });
    assert.equal(estimate.bitsPerSecond, 340_000, "not while the queue drains");
    estimate.update({ bitsSent: 300_000, lossFraction: 0, seconds: 1, delay: "normal" });
    assert.equal(Math.round(estimate.bitsPerSecond), 367_200, "8 % per second");
    assert.equal(run(estimate, 5, 300_000, 0), 400_000, "up to what was acknowledged, no further");
    assert.equal(estimate.holding, true);
    assert.ok(run(estimate, 2, 300_000, 0) > 400_000, "past it once the hold is over");
  });

  it("does not grow back within the hold after loss", () => {
    const estimate = new DownlinkEstimate(1_500_000);
    estimate.overuse(400_000);
    run(estimate, 1, 700_000, 0.3);
    const fell = estimate.bitsPerSecond;
    assert.equal(run(estimate, 7, 300_000, 0), fell);
  });

  it("with transport-wide feedback grows to 1.5 times what was acknowledged, past it by a probe", () => {
    const estimate = new DownlinkEstimate(200_000);
    for (let i = 0; i < 20; i++) {
      estimate.update({ bitsSent: 200_000, lossFraction: 0, seconds: 1, ackedBps: 200_000 });
    }
    assert.equal(estimate.bitsPerSecond, 300_000, "no further than 1.5 times");
    // A receiver that takes less than before does not lower it.
    estimate.update({ bitsSent: 100_000, lossFraction: 0, seconds: 1, ackedBps: 100_000 });
    assert.equal(estimate.bitsPerSecond, 300_000);
    estimate.probed(450_000);
    assert.equal(estimate.bitsPerSecond, 450_000, "a probe that got through");
    assert.equal(estimate.holding, false);
    estimate.probeFailed();
    assert.equal(estimate.holding, true, "a failed probe holds as a failed try");
    assert.equal(estimate.bitsPerSecond, 450_000);
    // A queue a probe's padding built: it keeps the media the padding came on top of.
    estimate.overuse(400_000, 380_000);
    assert.equal(estimate.bitsPerSecond, 380_000);
  });

  it("does not grow while the delay shows a queue building or draining", () => {
    const estimate = new DownlinkEstimate(400_000);
    for (const delay of ["overuse", "underuse"] as const) {
      estimate.update({ bitsSent: 300_000, lossFraction: 0, seconds: 1, delay });
      assert.equal(estimate.bitsPerSecond, 400_000, delay);
    }
    estimate.update({ bitsSent: 300_000, lossFraction: 0, seconds: 1, delay: "normal" });
    assert.equal(Math.round(estimate.bitsPerSecond), 432_000);
  });
});
