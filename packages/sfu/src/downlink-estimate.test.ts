import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DownlinkEstimate } from "./downlink-estimate.ts";

describe("downlink estimate (loss-based, draft-ietf-rmcat-gcc-02 §6)", () => {
  it("falls to what got through when a receiver loses more than 10 %", () => {
    const estimate = new DownlinkEstimate(1_500_000);
    // 700 kbit/s sent into a 300 kbit/s link: 57 % lost.
    estimate.update({ bitsSent: 700_000, lossFraction: 0.57, seconds: 1 });
    assert.ok(estimate.bitsPerSecond < 700_000 * 0.75);
    estimate.update({ bitsSent: 400_000, lossFraction: 0.25, seconds: 1 });
    assert.ok(estimate.bitsPerSecond <= 350_000, String(estimate.bitsPerSecond));
  });

  it("holds between 2 and 10 % loss, and grows 8 % per second below", () => {
    const estimate = new DownlinkEstimate(400_000);
    estimate.update({ bitsSent: 300_000, lossFraction: 0.05, seconds: 1 });
    assert.equal(estimate.bitsPerSecond, 400_000);
    estimate.update({ bitsSent: 300_000, lossFraction: 0, seconds: 1 });
    assert.equal(Math.round(estimate.bitsPerSecond), 432_000);
  });
});
