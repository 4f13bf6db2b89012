import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { chooseLayers, temporalLimits, upgradeBudget } from "./layer-choice.ts";

const THREE = [150_000, 500_000, 1_500_000];

describe("layer choice per receiver", () => {
  it("gives the top layer when the downlink takes it", () => {
    assert.deepEqual(chooseLayers(5_000_000, [{ layerRates: THREE, maxLayer: 2 }]), [2]);
  });

  it("gives a 300 kbit/s receiver the lowest layer", () => {
    assert.deepEqual(chooseLayers(300_000, [{ layerRates: THREE, maxLayer: 2 }]), [0]);
  });

  it("never sends more than the tile needs, and nothing for a tile not on screen", () => {
    assert.deepEqual(
      chooseLayers(10_000_000, [
        { layerRates: THREE, maxLayer: 1 },
        { layerRates: THREE, maxLayer: -1 },
      ]),
      [1, -1],
    );
  });

  it("shares the estimate in priority order, one step at a time", () => {
    assert.deepEqual(
      chooseLayers(1_300_000, [
        { layerRates: THREE, maxLayer: 2 },
        { layerRates: THREE, maxLayer: 2 },
      ]),
      [1, 1],
    );
  });

  it("skips a layer the publisher does not send, and keeps the lowest when nothing fits", () => {
    assert.deepEqual(
      chooseLayers(2_000_000, [{ layerRates: [150_000, 0, 1_500_000], maxLayer: 2 }]),
      [2],
    );
    assert.deepEqual(chooseLayers(100_000, [{ layerRates: THREE, maxLayer: 2 }]), [0]);
  });

  it("takes a single-layer publisher (Firefox, bots) as layer 0", () => {
    assert.deepEqual(chooseLayers(100_000_000, [{ layerRates: [600_000], maxLayer: 2 }]), [0]);
  });

  it("after loss, pauses the lower-priority videos whose lowest layers do not fit, never the first", () => {
    const two = [
      { layerRates: THREE, maxLayer: 2 },
      { layerRates: THREE, maxLayer: 2 },
    ];
    // Room for one lowest layer: the speaker's moves, the other pauses.
    assert.deepEqual(chooseLayers(250_000, two, true), [0, -1]);
    // Room for neither: the first still gets its lowest.
    assert.deepEqual(chooseLayers(50_000, two, true), [0, -1]);
    // A video off screen takes no room from those after it.
    assert.deepEqual(
      chooseLayers(320_000, [{ layerRates: THREE, maxLayer: -1 }, ...two], true),
      [-1, 0, 0],
    );
    // No loss seen lately: the estimate has not been tried, every video on screen moves.
    assert.deepEqual(chooseLayers(250_000, two), [0, 0]);
  });
});

describe("temporalLimits: fewer frames where even the lowest layer does not fit", () => {
  const demand = (rate: number) => ({ layerRates: [rate, 500_000, 1_500_000], maxLayer: 2 });
  const ALL = Number.POSITIVE_INFINITY;

  it("keeps every frame while the chosen layers fit", () => {
    assert.deepEqual(temporalLimits(400_000, [demand(150_000)], [0], [ALL]), [ALL]);
  });

  it("leaves out the top temporal layer, then the next, smallest tile first", () => {
    // 150 kbit/s of video where 140 fit: without layer 2 (0.6 of it, 90 kbit/s) it fits.
    assert.deepEqual(temporalLimits(140_000, [demand(150_000)], [0], [ALL]), [1]);
    // Two videos, 300 kbit/s where 210 fit: the smaller tile (second) goes to a quarter of its
    // frames (60 of 150 kbit/s), and the first keeps all.
    assert.deepEqual(
      temporalLimits(210_000, [demand(150_000), demand(150_000)], [0, 0], [ALL, ALL]),
      [ALL, 0],
    );
    // Still not enough: the first loses its top layer too.
    assert.deepEqual(
      temporalLimits(150_000, [demand(150_000), demand(150_000)], [0, 0], [ALL, ALL]),
      [1, 0],
    );
  });

  it("raises a limit only once the higher one fits with 10 % to spare", () => {
    // 155 kbit/s would carry all 150, but not with 10 % to spare: the limit stays.
    assert.deepEqual(temporalLimits(155_000, [demand(150_000)], [0], [1]), [1]);
    assert.deepEqual(temporalLimits(170_000, [demand(150_000)], [0], [1]), [ALL]);
  });

  it("names the budget the next layer needs, with headroom, and none when every tile has its own", () => {
    const up = (chosen: number[], limits: number[], maxLayer = 2) =>
      upgradeBudget([{ layerRates: THREE, maxLayer }], chosen, limits);
    const all = Number.POSITIVE_INFINITY;
    // The quarter layer flows; the half one is 350 kbit/s more.
    assert.equal(up([0], [all]), 150_000 + 350_000 * 1.1);
    assert.equal(up([1], [all], 1), null, "the tile needs no more");
    assert.equal(up([2], [all]), null, "the top layer flows");
    // Frames a temporal limit leaves out come back first: at layer 1, 60 % of the rate flows.
    assert.equal(up([0], [1]), 150_000 * 0.6 + 150_000 * 0.4 * 1.1);
    // A paused video: its lowest layer, beside the one that flows.
    assert.equal(
      upgradeBudget(
        [
          { layerRates: THREE, maxLayer: 0 },
          { layerRates: THREE, maxLayer: 0 },
        ],
        [0, -1],
        [all, all],
      ),
      150_000 + 150_000 * 1.1,
    );
    // A layer the publisher does not send is skipped; an unmeasured tile need is no loop.
    assert.equal(
      upgradeBudget([{ layerRates: [150_000, 0, 1_500_000], maxLayer: all }], [0], [all]),
      150_000 + 1_350_000 * 1.1,
    );
  });
});
