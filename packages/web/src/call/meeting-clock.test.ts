import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatElapsed, isoDuration } from "./meeting-clock.ts";

describe("meeting clock", () => {
  it("reads like a clock: minutes and seconds, then hours once there are any", () => {
    assert.equal(formatElapsed(0), "0:00");
    assert.equal(formatElapsed(7_999), "0:07");
    assert.equal(formatElapsed(12 * 60_000 + 34_000), "12:34");
    assert.equal(formatElapsed(3_600_000 + 2 * 60_000 + 3_000), "1:02:03");
    assert.equal(formatElapsed(26 * 3_600_000), "26:00:00");
  });

  it("never runs backwards past zero when the clock is set back", () => {
    assert.equal(formatElapsed(-5_000), "0:00");
    assert.equal(isoDuration(-5_000), "PT0H0M0S");
  });

  it("gives the same time as an ISO 8601 duration", () => {
    assert.equal(isoDuration(3_600_000 + 2 * 60_000 + 3_000), "PT1H2M3S");
  });
});
