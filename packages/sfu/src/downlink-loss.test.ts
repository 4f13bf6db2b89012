import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DownlinkLoss } from "./downlink-loss.ts";

describe("loss on the SFU's link to a receiver (RFC 3550 §6.4.1 reports)", () => {
  it("does not count what the SFU never got: gaps upstream are not the receiver's link", () => {
    const loss = new DownlinkLoss();
    loss.report(1000, 0, 1000);
    assert.equal(loss.take(), null, "one report is only a mark");
    // 100 sequence numbers later, 10 of them never reached the SFU: it sent 90, all arrived.
    loss.report(1100, 10, 1090);
    assert.equal(loss.take(), 0);
    assert.equal(loss.take(), null, "nothing new since");
  });

  it("counts what the SFU sent that did not arrive, over every report since the last look", () => {
    const loss = new DownlinkLoss();
    loss.report(1000, 0, 1000);
    loss.take();
    // Two reports before the next look: 100 sent in all, 20 lost on the way.
    loss.report(1050, 10, 1050);
    loss.report(1100, 20, 1100);
    assert.ok(Math.abs((loss.take() ?? 0) - 0.2) < 1e-9);
    // Next: 100 sent, and 15 of the earlier losses repaired late (the cumulative loss falls).
    loss.report(1200, 5, 1200);
    assert.equal(loss.take(), 0);
  });

  it("reads the cumulative loss as 24-bit signed (duplicates make it negative) and the wrap", () => {
    const loss = new DownlinkLoss();
    loss.report(0xfffffff0, 0xfffffe, 500); // -2: two duplicates
    loss.take();
    loss.report(0x10, 0xfffffe, 532);
    assert.equal(loss.take(), 0, "32 across the wrap, none lost");
  });
});
