import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DelayTrend, type PacketFate } from "./delay-trend.ts";

/**
 * `seconds` of 1,000-byte packets sent at `sendBps`, through a link of `linkBps` with a queue
 * that never overflows (arrival: when the link has carried it), plus up to `jitterMs` of random
 * delay each from a seeded generator. In feedbacks of 50 ms.
 */
function through(
  sendBps: number,
  linkBps: number,
  seconds: number,
  jitterMs = 0,
  start = { sentMs: 0, linkFreeMs: 0 },
): PacketFate[][] {
  const bytes = 1000;
  const gapMs = (bytes * 8 * 1000) / sendBps;
  const carryMs = (bytes * 8 * 1000) / linkBps;
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const feedbacks: PacketFate[][] = [];
  let current: PacketFate[] = [];
  let nextFeedbackMs = start.sentMs + 50;
  for (let sentMs = start.sentMs; sentMs < start.sentMs + seconds * 1000; sentMs += gapMs) {
    start.linkFreeMs = Math.max(start.linkFreeMs, sentMs + 20) + carryMs;
    current.push({ sentMs, arrivalMs: start.linkFreeMs + random() * jitterMs, bytes });
    if (sentMs >= nextFeedbackMs) {
      feedbacks.push(current);
      current = [];
      nextFeedbackMs += 50;
    }
  }
  start.sentMs += seconds * 1000;
  return feedbacks;
}

describe("DelayTrend", () => {
  it("says normal while the link carries what is sent, jitter included", () => {
    const trend = new DelayTrend();
    const seen = new Set<string>();
    for (const feedback of through(500_000, 2_000_000, 10, 4)) seen.add(trend.update(feedback));
    assert.ok(!seen.has("overuse"), `no overuse (${[...seen].join(", ")})`);
    const acked = trend.ackedBps ?? 0;
    assert.ok(acked > 450_000 && acked < 550_000, `acknowledged about what was sent (${acked})`);
  });

  it("says overuse within half a second of sending more than the link carries, before a queue of 200 ms", () => {
    const trend = new DelayTrend();
    const clock = { sentMs: 0, linkFreeMs: 0 };
    for (const feedback of through(250_000, 300_000, 3, 2, clock)) trend.update(feedback);
    assert.equal(trend.state, "normal");
    let overuseAfterMs: number | undefined;
    let queueMs = 0;
    for (const feedback of through(600_000, 300_000, 2, 2, clock)) {
      const signal = trend.update(feedback);
      const last = feedback[feedback.length - 1] as PacketFate;
      queueMs = (last.arrivalMs ?? 0) - last.sentMs - 20;
      if (signal === "overuse") {
        overuseAfterMs = last.sentMs - 3000;
        break;
      }
    }
    assert.ok(
      overuseAfterMs !== undefined && overuseAfterMs < 500,
      `overuse after ${overuseAfterMs} ms`,
    );
    assert.ok(queueMs < 200, `the queue held ${queueMs.toFixed(0)} ms of packets`);
    const acked = trend.ackedBps ?? 0;
    assert.ok(acked < 400_000, `acknowledged about what the link carries (${acked})`);
  });

  it("says underuse while the queue drains, and normal once it is empty", () => {
    const trend = new DelayTrend();
    const clock = { sentMs: 0, linkFreeMs: 0 };
    for (const feedback of through(600_000, 300_000, 1.5, 0, clock)) trend.update(feedback);
    assert.equal(trend.state, "overuse");
    const seen: string[] = [];
    for (const feedback of through(150_000, 300_000, 7, 0, clock))
      seen.push(trend.update(feedback));
    assert.ok(seen.includes("underuse"), "underuse while it drains");
    assert.equal(seen[seen.length - 1], "normal");
  });

  it("ignores lost packets, and starts again after a pause", () => {
    const trend = new DelayTrend();
    const clock = { sentMs: 0, linkFreeMs: 0 };
    for (const feedback of through(500_000, 2_000_000, 2, 0, clock)) {
      trend.update(feedback.map((p, i) => (i % 3 === 0 ? { ...p, arrivalMs: undefined } : p)));
    }
    assert.equal(trend.state, "normal");
    // Five seconds of nothing, then the same stream: the gap is not read as queueing.
    clock.sentMs += 5000;
    clock.linkFreeMs += 5000;
    for (const feedback of through(500_000, 2_000_000, 2, 0, clock)) trend.update(feedback);
    assert.equal(trend.state, "normal");
  });

  it("tells a queue on the link from a receiver whose processor stalled: the spread of arrivals", () => {
    const queue = new DelayTrend();
    const clock = { sentMs: 0, linkFreeMs: 0 };
    for (const feedback of through(250_000, 300_000, 2, 0, clock)) queue.update(feedback);
    for (const feedback of through(600_000, 300_000, 0.4, 0, clock)) queue.update(feedback);
    assert.ok((queue.spreadRatio ?? 0) > 1.1, `a queue: ${queue.spreadRatio}`);

    // The link carries everything, but the receiver's thread stalls 80 ms now and then: what
    // arrived meanwhile is stamped at the end of the stall.
    const stalled = new DelayTrend();
    for (const feedback of through(600_000, 2_000_000, 3, 0)) {
      stalled.update(
        feedback.map((p) => {
          const arrival = p.arrivalMs ?? 0;
          const inStall = arrival % 500 < 80;
          return inStall ? { ...p, arrivalMs: arrival - (arrival % 500) + 80 } : p;
        }),
      );
    }
    assert.ok((stalled.spreadRatio ?? 2) < 1.1, `stalls: ${stalled.spreadRatio}`);
  });
});
