import assert from "node:assert/strict";
import { it } from "node:test";
import { quickCheckMs } from "./signalling.ts";

it("a quick check waits a second and two usual round trips, three seconds at most", () => {
  assert.equal(quickCheckMs([]), 1000, "before any round trip: a second");
  assert.equal(quickCheckMs([3, 12, 5]), 1010, "a fast connection: about a second");
  assert.equal(quickCheckMs([40, 2600, 300]), 1600, "a busy server: its median, not one outlier");
  assert.equal(quickCheckMs([2500, 1800, 1200]), 3000, "never more than three seconds");
});
