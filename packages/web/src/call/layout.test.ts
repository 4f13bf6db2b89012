/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  gridCapacity,
  type LayoutInput,
  type LayoutTile,
  layout,
  stripCapacity,
} from "./layout.ts";

const person = (key: string): LayoutTile => ({ key, screen: false, self: false });
const self: LayoutTile = { key: "self", screen: false, self: true };
const screenOf = (key: string): LayoutTile => ({ key: `${key}/screen`, screen: true, self: false });

function input(patch: Partial<LayoutInput>): LayoutInput {
  return {
    tiles: [self, person("a"), person("b")],
    mode: "grid",
    pinned: null,
    speaker: null,
    capacity: { grid: 9, strip: 4 },
    page: 0,
    ...patch,
  };
}

test("the grid shows every tile, in order, on as many pages as needed", () => {
  const tiles = [self, ...Array.from({ length: 10 }, (_, i) => person(`p${i}`))];
  const first = layout(input({ tiles }));
  assert.equal(first.focus, null);
  assert.equal(first.pageCount, 2);
  assert.deepEqual(first.shown, ["self", ...Array.from({ length: 8 }, (_, i) => `p${i}`)]);
  const second = layout(input({ tiles, page: 1 }));
  assert.deepEqual(second.shown, ["p8", "p9"]);
  assert.equal(layout(input({ tiles, page: 7 })).page, 1, "a page past the end shows the last");
  assert.equal(layout(input({ tiles, page: -3 })).page, 0);
});

test("speaker view puts the active speaker in focus, never ourselves, and the rest in the strip", () => {
  const out = layout(input({ mode: "speaker", speaker: "b" }));
  assert.equal(out.focus, "b");
  assert.deepEqual(out.shown, ["self", "a"]);
  assert.equal(layout(input({ mode: "speaker", speaker: "self" })).focus, "a");
  assert.equal(layout(input({ mode: "speaker", speaker: "gone" })).focus, "a");
  assert.equal(layout(input({ mode: "speaker", tiles: [self] })).focus, "self", "alone");
});

test("a remote screen share takes the focus in speaker view (presenter layout), the newest first", () => {
  const tiles = [self, person("a"), person("b"), screenOf("a"), screenOf("b")];
  const out = layout(input({ mode: "speaker", speaker: "a", tiles }));
  assert.equal(out.focus, "b/screen");
  assert.deepEqual(out.shown, ["self", "a", "b", "a/screen"]);
  const own = { key: "self/screen", screen: true, self: true };
  assert.equal(layout(input({ mode: "speaker", tiles: [self, person("a"), own] })).focus, "a");
});

test("a pinned tile takes the focus in either view until it is gone", () => {
  const tiles = [self, person("a"), person("b"), screenOf("a")];
  assert.equal(layout(input({ tiles, pinned: "b" })).focus, "b");
  assert.equal(layout(input({ tiles, mode: "speaker", pinned: "self" })).focus, "self");
  assert.equal(layout(input({ tiles, pinned: "left-already" })).focus, null);
});

test("the strip pages by its own capacity", () => {
  const tiles = [self, ...Array.from({ length: 6 }, (_, i) => person(`p${i}`))];
  const out = layout(input({ tiles, mode: "speaker", speaker: "p0", page: 1 }));
  assert.equal(out.pageCount, 2);
  assert.deepEqual(out.shown, ["p4", "p5"]);
});

test("capacities follow the stage size: 3 × 3 on a desktop, 2 × 3 on a phone", () => {
  assert.equal(gridCapacity(1280, 660), 9);
  assert.equal(gridCapacity(375, 560), 6);
  assert.equal(gridCapacity(100, 100), 1);
  assert.equal(stripCapacity(1280, 660), 5);
  assert.equal(stripCapacity(375, 560), 2);
});
