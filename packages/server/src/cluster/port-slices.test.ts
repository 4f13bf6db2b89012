import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { portSlice } from "./port-slices.ts";

describe("media port slices", () => {
  it("gives each worker its own part of the range, covering all of it", () => {
    const slices = [0, 1, 2].map((i) => portSlice([40000, 40999], 3, i));
    assert.deepEqual(slices, [
      [40000, 40332],
      [40333, 40665],
      [40666, 40999],
    ]);
  });

  it("leaves the ports to the system when no range is set", () => {
    assert.equal(portSlice(null, 4, 2), null);
  });
});
