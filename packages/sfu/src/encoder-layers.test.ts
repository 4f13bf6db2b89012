import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { EncoderLayers } from "./encoder-layers.ts";

describe("EncoderLayers: how many camera layers the publisher encodes", () => {
  it("tells a rise at once, and a fall only once the lower count has sufficed for 5 s", () => {
    const layers = new EncoderLayers(3);
    assert.equal(layers.update(3, 0), null, "the publisher starts with all three");
    assert.equal(layers.update(2, 1000), null);
    assert.equal(layers.update(2, 5999), null);
    assert.equal(layers.update(2, 6000), 2);
    assert.equal(layers.update(2, 7000), null);
    // A tile grows: the full layer comes back at once.
    assert.equal(layers.update(3, 8000), 3);
  });

  it("does not fall when the need flips back within the 5 s", () => {
    const layers = new EncoderLayers(3);
    layers.update(1, 0);
    assert.equal(layers.update(3, 3000), null);
    assert.equal(layers.update(1, 4000), null);
    assert.equal(layers.update(1, 8999), null);
    assert.equal(layers.update(1, 9000), 1);
  });

  it("keeps the lowest layer when nobody receives, and never tells more than there are", () => {
    const layers = new EncoderLayers(3);
    layers.update(0, 0);
    assert.equal(layers.update(0, 5000), 1);
    assert.equal(layers.update(Number.POSITIVE_INFINITY, 6000), 3);
    assert.equal(layers.retell(), 3);
  });
});
