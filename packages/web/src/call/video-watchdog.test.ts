/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { VideoWatchdog } from "./video-watchdog.ts";

const alice = "aaaaaaaaaaaaaaaa" as ParticipantId;

test("a remote video that stops decoding gets a keyframe request, at most every 3 s", () => {
  let now = 0;
  const asked: ParticipantId[] = [];
  const watchdog = new VideoWatchdog(
    (id) => asked.push(id),
    () => now,
  );
  for (let frames = 0; now <= 5000; now += 1000, frames += 20) {
    watchdog.observe(new Map([[alice, frames]]));
  }
  assert.deepEqual(asked, [], "video that keeps decoding is left alone");
  const stuck = 120;
  for (; now <= 15000; now += 500) watchdog.observe(new Map([[alice, stuck]]));
  // Stalled from t=6000: asks after 2 s (t=8500), then every 3 s at most.
  assert.ok(asked.length >= 2 && asked.length <= 3, `asked ${asked.length} times`);
});

test("a participant whose camera is off is not watched", () => {
  let now = 0;
  const asked: ParticipantId[] = [];
  const watchdog = new VideoWatchdog(
    (id) => asked.push(id),
    () => now,
  );
  watchdog.observe(new Map([[alice, 10]]));
  for (now = 1000; now < 10000; now += 1000) watchdog.observe(new Map());
  assert.deepEqual(asked, []);
});
