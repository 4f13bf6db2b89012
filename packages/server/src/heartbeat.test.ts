import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Heartbeat } from "./heartbeat.ts";

describe("Heartbeat", () => {
  const socket = () => ({});

  it("keeps a socket that answers, and one that leaves two pings in a row unanswered", () => {
    const a = socket();
    const b = socket();
    const beats = new Heartbeat<object>(0, 2000);
    beats.answered(a);
    beats.answered(b);
    for (let t = 2000; t <= 20_000; t += 2000) {
      const { ping, gone } = beats.beat([a, b], t);
      assert.deepEqual(gone, []);
      assert.equal(ping.length, 2);
      beats.answered(a);
      // b answers every other ping only, each a little over an interval late.
      if (t % 4000 === 0) beats.answered(b);
    }
  });

  it("finds a socket gone at its third unanswered ping", () => {
    const a = socket();
    const beats = new Heartbeat<object>(0, 2000);
    beats.answered(a);
    assert.deepEqual(beats.beat([a], 2000), { ping: [a], gone: [] });
    assert.deepEqual(beats.beat([a], 4000), { ping: [a], gone: [] });
    assert.deepEqual(beats.beat([a], 6000), { ping: [], gone: [a] });
  });

  it("counts no miss at a beat that came late because the process stalled", () => {
    const a = socket();
    const beats = new Heartbeat<object>(0, 2000);
    beats.answered(a);
    beats.beat([a], 2000);
    beats.beat([a], 4000);
    // Stalled 3 s: the pong may be waiting unread.
    assert.deepEqual(beats.beat([a], 9000), { ping: [a], gone: [] });
    assert.deepEqual(beats.beat([a], 11_000), { ping: [], gone: [a] });
  });
});
