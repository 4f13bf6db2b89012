import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { KeyframeLimiter } from "./keyframe-limiter.ts";

describe("keyframe limiter", () => {
  it("sends the first request at once and collapses a burst into one trailing request", async () => {
    let sent = 0;
    const limiter = new KeyframeLimiter(() => sent++, 100);
    for (let i = 0; i < 40; i++) limiter.request();
    assert.equal(sent, 1, "first request goes out immediately");
    const deadline = Date.now() + 2000;
    while (sent < 2) {
      assert.ok(Date.now() < deadline, "no trailing request");
      await new Promise((r) => setTimeout(r, 10));
    }
    // Past the next window, still two: the burst left no third request behind.
    for (const end = Date.now() + 250; Date.now() < end; ) {
      assert.equal(sent, 2, "forty requests in one window cost two keyframes");
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(sent, 2, "forty requests in one window cost two keyframes");
    assert.equal(limiter.requested, 40);
    limiter.close();
  });

  it("never sends two requests closer than the interval", () => {
    let clock = 0;
    const times: number[] = [];
    const limiter = new KeyframeLimiter(
      () => times.push(clock),
      1000,
      () => clock,
    );
    limiter.request();
    clock = 1500;
    limiter.request();
    clock = 1600;
    limiter.request(); // inside the window: becomes a trailing timer, cancelled below
    limiter.close();
    assert.deepEqual(times, [0, 1500]);
  });
});
