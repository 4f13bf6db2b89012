import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type LayerFlow, starvedLayers } from "./starved-layers.ts";

const at = (fps: number, kbps = 100): LayerFlow => ({
  bitsPerSecond: kbps * 1000,
  framesPerSecond: fps,
});
const NONE: LayerFlow = { bitsPerSecond: 0, framesPerSecond: 0 };

describe("starved layers", () => {
  test("a layer at under half the frame rate of the one below is starved; at that rate or more it is not", () => {
    // The 500 kbit/s publisher of bench:network: half layer at 12 fps beside the quarter at 30.
    assert.deepEqual(starvedLayers([at(30), at(12), NONE], [false, false, false]), [
      false,
      true,
      false,
    ]);
    assert.deepEqual(starvedLayers([at(30), at(15), at(15)], [false, false, false]), [
      false,
      false,
      false,
    ]);
  });

  test("a camera that sends few frames on every layer starves none of them", () => {
    assert.deepEqual(starvedLayers([at(7), at(7), at(7)], [false, false, false]), [
      false,
      false,
      false,
    ]);
  });

  test("the lowest flowing layer is never starved, whatever its rate", () => {
    assert.deepEqual(starvedLayers([NONE, at(2), at(30)], [false, true, false]), [
      false,
      false,
      false,
    ]);
  });

  test("a starved layer counts again only at four fifths of the rate below", () => {
    const was = [false, true, false];
    assert.deepEqual(starvedLayers([at(30), at(20), NONE], was), [false, true, false]);
    assert.deepEqual(starvedLayers([at(30), at(24), NONE], was), [false, false, false]);
  });

  test("a layer is held against the highest one below that is not starved", () => {
    // The half layer at 10 fps is starved, so the full layer answers to the quarter's 30: at 14 fps
    // it is starved too, although it has more frames than the half layer; at 16 it is not.
    assert.deepEqual(starvedLayers([at(30), at(10), at(14)], [false, false, false]), [
      false,
      true,
      true,
    ]);
    assert.deepEqual(starvedLayers([at(30), at(10), at(16)], [false, false, false]), [
      false,
      true,
      false,
    ]);
  });

  test("the same flows give the same answer twice: receivers asking in turn agree", () => {
    const flows = [at(30), at(13), at(20)];
    const first = starvedLayers(flows, [false, false, false]);
    assert.deepEqual(starvedLayers(flows, first), first);
    const fed = starvedLayers([at(30), at(20), at(20)], [false, true, true]);
    assert.deepEqual(starvedLayers([at(30), at(20), at(20)], fed), fed);
  });
});
