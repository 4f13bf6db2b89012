import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RtpHeader, RtpPacket } from "werift";
import { type Paced, type PacedSink, Pacer } from "./pacer.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function packet(sequenceNumber: number, bytes: number): RtpPacket {
  return new RtpPacket(new RtpHeader({ sequenceNumber, payloadType: 96 }), Buffer.alloc(bytes));
}

/** A sink that notes what reached it and when (ms since the test's start). */
function recorder(now: () => number) {
  const got: { item: Paced; at: number }[] = [];
  const sink: PacedSink = { dispatch: (item) => got.push({ item, at: now() }) };
  return { sink, got };
}

describe("pacer", () => {
  it("spreads a burst at its rate instead of sending it at once", async () => {
    const start = performance.now();
    const now = () => performance.now() - start;
    const pacer = new Pacer(400_000); // 50 kB/s
    const { sink, got } = recorder(now);
    // A 12 kB keyframe arriving at once: 10 packets of 1200 bytes.
    for (let i = 0; i < 10; i++) pacer.send(sink, packet(i, 1200), 1200);
    assert.ok(
      got.length <= 3,
      `a burst of at most 20 ms or two packets goes at once (${got.length})`,
    );
    await sleep(400);
    assert.equal(got.length, 10);
    const last = got.at(-1)?.at ?? 0;
    // 12 kB at 50 kB/s is 240 ms, less the first burst; timers on a loaded machine run late.
    assert.ok(last >= 150, `the last packet went after ${last.toFixed(0)} ms`);
    assert.deepEqual(
      got.map((g) => (g.item as RtpPacket).header.sequenceNumber),
      [...Array(10).keys()],
      "in order",
    );
    pacer.close();
  });

  it("lets audio through at once, and video after it pays for it", () => {
    const t = 0;
    const pacer = new Pacer(100_000, () => t);
    const { sink, got } = recorder(() => t);
    pacer.send(sink, packet(1, 2400), 2400); // uses the whole burst
    pacer.send(sink, packet(2, 1000), 1000); // waits
    pacer.send(sink, packet(3, 100), 100, true); // audio: goes now
    assert.deepEqual(
      got.map((g) => (g.item as RtpPacket).header.sequenceNumber),
      [1, 3],
    );
    assert.equal(pacer.waiting, 1000);
    pacer.close();
  });

  it("drops video that would wait more than a second, and says so", () => {
    const t = 0;
    const pacer = new Pacer(80_000, () => t); // 10 kB/s: a second is 10 kB
    const { sink } = recorder(() => t);
    let refused = 0;
    for (let i = 0; i < 20; i++) if (!pacer.send(sink, packet(i, 1000), 1000)) refused++;
    assert.ok(refused >= 7 && refused <= 9, `refused ${refused}`);
    assert.equal(pacer.dropped, refused);
    assert.equal(pacer.send(sink, { timestampStep: 1 }, 0), true, "no-byte items always queue");
    pacer.close();
  });

  it("discards what one sink queued, keeping the others' in order", () => {
    const t = 0;
    const pacer = new Pacer(100_000, () => t);
    const a = recorder(() => t);
    const b = recorder(() => t);
    pacer.send(a.sink, packet(1, 2400), 2400);
    pacer.send(a.sink, packet(2, 1000), 1000);
    pacer.send(b.sink, packet(3, 1000), 1000);
    pacer.send(a.sink, packet(4, 1000), 1000);
    pacer.discard(a.sink);
    assert.equal(pacer.waiting, 1000, "only b's packet waits");
    pacer.close();
  });
});
