import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { E2eeUsageError } from "../errors.ts";
import { MAX_U64 } from "./bytes.ts";
import { ReplayWindow } from "./replay-window.ts";

describe("replay window", () => {
  it("accepts each counter once", () => {
    const window = new ReplayWindow(4);
    assert.equal(window.accept(0n), "fresh");
    assert.equal(window.accept(0n), "duplicate");
    assert.equal(window.accept(2n), "fresh");
    assert.equal(window.accept(1n), "fresh");
    assert.equal(window.accept(1n), "duplicate");
  });

  it("accepts up to size-1 behind the highest and refuses older", () => {
    const window = new ReplayWindow(4);
    assert.equal(window.accept(10n), "fresh");
    assert.equal(window.check(7n), "fresh");
    assert.equal(window.check(6n), "too-old");
    assert.equal(window.accept(7n), "fresh");
    assert.equal(window.accept(11n), "fresh"); // 7 is now 4 behind: out, and must stay out
    assert.equal(window.accept(7n), "too-old");
    assert.equal(window.accept(8n), "fresh");
    assert.equal(window.accept(10n), "duplicate");
  });

  it("forgets everything behind a jump larger than the window", () => {
    const window = new ReplayWindow(128);
    for (let ctr = 0n; ctr < 100n; ctr++) window.accept(ctr);
    assert.equal(window.accept(1000n), "fresh");
    assert.equal(window.accept(99n), "too-old");
    assert.equal(window.accept(873n), "fresh");
    assert.equal(window.accept(872n), "too-old");
  });

  it("checks without recording, and handles counters up to 2^64-1", () => {
    const window = new ReplayWindow();
    assert.equal(window.check(MAX_U64), "fresh");
    assert.equal(window.check(MAX_U64), "fresh");
    assert.equal(window.accept(MAX_U64), "fresh");
    assert.equal(window.accept(MAX_U64), "duplicate");
    assert.equal(window.accept(MAX_U64 - 127n), "fresh");
    assert.equal(window.accept(MAX_U64 - 128n), "too-old");
  });

  it("throws a usage error for a size below 1", () => {
    assert.throws(() => new ReplayWindow(0), E2eeUsageError);
    assert.throws(() => new ReplayWindow(1.5), E2eeUsageError);
  });
});
