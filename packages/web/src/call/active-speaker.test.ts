/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import { ActiveSpeaker } from "./active-speaker.ts";

const levels = (entries: Record<string, number>) => new Map(Object.entries(entries));

test("the first to speak becomes the speaker and stays through silence", () => {
  const speakers = new ActiveSpeaker();
  assert.equal(speakers.observe(levels({ a: 0.01, b: 0.0 }), 0), null, "nobody above the level");
  assert.equal(speakers.observe(levels({ a: 0.3, b: 0.01 }), 500), "a");
  assert.equal(speakers.observe(levels({ a: 0.0, b: 0.0 }), 1000), "a");
});

test("someone else takes over only after being the loudest for a while", () => {
  const speakers = new ActiveSpeaker({ switchAfterMs: 1000 });
  speakers.observe(levels({ a: 0.3, b: 0 }), 0);
  assert.equal(speakers.observe(levels({ a: 0.1, b: 0.5 }), 500), "a", "a cough is not a turn");
  assert.equal(speakers.observe(levels({ a: 0.3, b: 0.1 }), 1000), "a");
  assert.equal(speakers.observe(levels({ a: 0.1, b: 0.5 }), 1500), "a");
  assert.equal(speakers.observe(levels({ a: 0.1, b: 0.5 }), 2000), "a");
  assert.equal(speakers.observe(levels({ a: 0.0, b: 0.5 }), 2500), "b");
});

test("a speaker who left is forgotten", () => {
  const speakers = new ActiveSpeaker();
  speakers.observe(levels({ a: 0.3 }), 0);
  assert.equal(speakers.observe(levels({ b: 0.0 }), 100), null);
  assert.equal(speakers.observe(levels({ b: 0.2 }), 200), "b");
});
