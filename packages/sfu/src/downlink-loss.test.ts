import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DownlinkLoss } from "./downlink-loss.ts";

/** Sends sequence numbers `from` to `to` (16 bits), leaving out those in `gaps`. */
function send(loss: DownlinkLoss, from: number, to: number, gaps: ReadonlySet<number> = new Set()) {
  for (let s = from; s <= to; s++) if (!gaps.has(s)) loss.sent(s & 0xffff);
}

describe("loss on the SFU's link to a receiver (RFC 3550 §6.4.1 reports)", () => {
  it("does not count what the SFU never got: gaps upstream are not the receiver's link", () => {
    const loss = new DownlinkLoss();
    send(loss, 901, 1000);
    loss.report(1000, 0);
    assert.equal(loss.take(), null, "one report is only a mark");
    // 100 sequence numbers later, 10 of them never reached the SFU: it sent 90, all arrived.
    send(loss, 1001, 1100, new Set([1011, 1022, 1033, 1044, 1055, 1066, 1077, 1088, 1099, 1090]));
    loss.report(1100, 10);
    assert.equal(loss.take(), 0);
    assert.equal(loss.take(), null, "nothing new since");
  });

  it("counts what the SFU sent that did not arrive, over every report since the last look", () => {
    const loss = new DownlinkLoss();
    send(loss, 901, 1000);
    loss.report(1000, 0);
    loss.take();
    // Two reports before the next look: 100 sent in all, 20 lost on the way.
    send(loss, 1001, 1050);
    loss.report(1050, 10);
    send(loss, 1051, 1100);
    loss.report(1100, 20);
    assert.ok(Math.abs((loss.take() ?? 0) - 0.2) < 1e-9);
    // Next: 100 sent, and 15 of the earlier losses repaired late (the cumulative loss falls).
    send(loss, 1101, 1200);
    loss.report(1200, 5);
    assert.equal(loss.take(), 0);
  });

  it("counts the resends a receiver got on the RTX stream as repairs, not its media report's loss", () => {
    const loss = new DownlinkLoss();
    const firstRtx = 65530;
    send(loss, 901, 1000);
    loss.report(1000, 0);
    loss.take();
    // 100 sent, 10 lost on the way; 8 resends of them arrived on the RTX stream (one lost,
    // across its 16-bit wrap), which the media stream's report still counts as lost.
    send(loss, 1001, 1100);
    loss.repairs(0x10000 + 2, 1, firstRtx);
    loss.report(1100, 10);
    assert.ok(Math.abs((loss.take() ?? 0) - 0.02) < 1e-9);
    // Next: 100 sent, 5 lost, all 5 resent and received.
    send(loss, 1101, 1200);
    loss.repairs(0x10000 + 7, 1, firstRtx);
    loss.report(1200, 15);
    assert.equal(loss.take(), 0);
  });

  it("does not count packets sent after the receiver's highest as lost: they are on their way", () => {
    const loss = new DownlinkLoss();
    send(loss, 1, 100);
    loss.report(100, 0);
    loss.take();
    // The report says 200 arrived; 50 more went out before it reached the SFU.
    send(loss, 101, 250);
    loss.report(200, 0);
    assert.equal(loss.take(), 0);
    // A report that saw nothing new (two close together) is no loss either.
    send(loss, 251, 260);
    loss.report(200, 0);
    assert.equal(loss.take(), null);
    // Those in flight arrived; of the next 50, 10 were lost.
    send(loss, 261, 300);
    loss.report(300, 10);
    assert.ok(Math.abs((loss.take() ?? 0) - 0.1) < 1e-9);
  });

  it("reads the cumulative loss as 24-bit signed (duplicates make it negative) and the wrap", () => {
    const loss = new DownlinkLoss();
    send(loss, 0xfff0 - 10, 0xfff0);
    loss.report(0xfffffff0, 0xfffffe); // -2: two duplicates
    loss.take();
    send(loss, 0xfff1, 0x10010);
    loss.report(0x100000010, 0xfffffe);
    assert.equal(loss.take(), 0, "32 across the wrap, none lost");
  });
});
