/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import { FrameCounter } from "../worker/frame-counter.ts";
import { isPageToWorker, isTransformOptions, isWorkerToPage } from "../worker/messages.ts";

test("worker messages are validated on both sides of postMessage", () => {
  assert.ok(isPageToWorker({ type: "recv-mids", mids: { "0": "p1" } }));
  assert.ok(!isPageToWorker({ type: "recv-mids", mids: { "0": 7 } }));
  assert.ok(!isPageToWorker({ type: "report-interval", ms: 5 }));
  assert.ok(!isPageToWorker({ type: "set-key", key: "x" }));
  assert.ok(isWorkerToPage({ type: "counts", totals: [], participants: [] }));
  assert.ok(
    !isWorkerToPage({
      type: "counts",
      totals: [{ direction: "up", kind: "video", frames: 1, bytes: 1, dropped: 0 }],
      participants: [],
    }),
  );
  assert.ok(isTransformOptions({ direction: "recv", kind: "audio", mid: "3" }));
  assert.ok(!isTransformOptions({ direction: "recv", kind: "data", mid: null }));
});

test("the frame counter totals per direction and kind, and per remote participant", () => {
  const counter = new FrameCounter();
  counter.count("send", "video", null, 1000, null);
  counter.count("recv", "video", "p1", 500, null);
  counter.count("recv", "video", "p1", 500, "decrypt-failed");
  counter.count("recv", "audio", "p2", 80, null);
  const { totals, participants } = counter.snapshot();
  assert.deepEqual(
    totals.find((t) => t.direction === "recv" && t.kind === "video"),
    { direction: "recv", kind: "video", frames: 1, bytes: 500, dropped: 1 },
  );
  assert.deepEqual(
    participants.find((p) => p.participantId === "p1"),
    { participantId: "p1", kind: "video", frames: 1, dropped: 1 },
  );
  assert.equal(participants.length, 2);
});
