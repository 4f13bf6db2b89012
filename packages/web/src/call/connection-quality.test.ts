/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import { type QualitySample, QualityWindow, rateQuality } from "./connection-quality.ts";

const clean = { lossRatio: 0, jitterMs: 5, rttMs: 20, droppedRatio: 0 };

test("quality is the worst of loss, jitter, round trip and dropped frames", () => {
  assert.equal(rateQuality(clean), "good");
  assert.equal(rateQuality({ ...clean, lossRatio: 0.05 }), "fair");
  assert.equal(rateQuality({ ...clean, lossRatio: 0.2 }), "poor");
  assert.equal(rateQuality({ ...clean, jitterMs: 60 }), "fair");
  assert.equal(rateQuality({ ...clean, rttMs: 700 }), "poor");
  assert.equal(rateQuality({ ...clean, droppedRatio: 0.15 }), "fair");
  assert.equal(rateQuality({ ...clean, rttMs: null, droppedRatio: null }), "good");
  assert.equal(rateQuality({ ...clean, lossRatio: 0.05, jitterMs: 150 }), "poor");
});

const sample = (at: number, received: number, lost: number, frames = 0, dropped = 0) =>
  ({
    at,
    packetsReceived: received,
    packetsLost: lost,
    jitterMs: 10,
    framesReceived: frames,
    framesDropped: dropped,
  }) satisfies QualitySample;

test("measures come from the counters' change over the last five seconds", () => {
  const window = new QualityWindow();
  window.add("a", sample(0, 0, 0));
  assert.equal(window.measures("a", 30), null, "one sample says nothing");
  window.add("a", sample(1000, 90, 10, 20, 2));
  assert.deepEqual(window.measures("a", 30), {
    lossRatio: 0.1,
    jitterMs: 10,
    rttMs: 30,
    droppedRatio: 0.1,
  });
  // Six seconds on without loss: the early loss has left the window.
  window.add("a", sample(6000, 590, 10, 120, 2));
  window.add("a", sample(7000, 690, 10, 140, 2));
  assert.equal(window.measures("a", 30)?.lossRatio, 0);
  assert.equal(rateQuality(window.measures("a", 30) ?? clean), "good");
});

test("a stream that restarts on a reused m-line starts a new window; gone streams are forgotten", () => {
  const window = new QualityWindow();
  window.add("a", sample(0, 500, 50));
  window.add("a", sample(1000, 10, 0));
  assert.equal(window.measures("a", null), null);
  window.add("a", sample(2000, 110, 0));
  assert.equal(window.measures("a", null)?.lossRatio, 0);
  window.retain(new Set());
  assert.equal(window.measures("a", null), null);
});
