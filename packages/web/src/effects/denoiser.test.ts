import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Denoiser, RNNOISE_FRAME } from "./denoiser.ts";

describe("denoiser framing", () => {
  it("gives back as many samples as it takes, one RNNoise frame late, in 16-bit units inside", () => {
    const seen: number[] = [];
    // A stand-in for RNNoise that halves each frame and records the values it was given.
    const denoiser = new Denoiser((frame) => {
      seen.push(frame[0] ?? Number.NaN);
      for (let i = 0; i < frame.length; i++) frame[i] = (frame[i] ?? 0) / 2;
    });
    const input = Float32Array.from({ length: 1000 }, (_, i) => (i % 100) / 100);
    const chunks = [input.subarray(0, 128), input.subarray(128, 600), input.subarray(600)];
    const out = chunks.map((c) => denoiser.push(c));
    assert.deepEqual(
      out.map((c) => c.length),
      [128, 472, 400],
    );
    const joined = Float32Array.from(out.flatMap((c) => Array.from(c)));
    // The first frame's worth is silence, then the input, halved, 480 samples late.
    assert.ok(joined.subarray(0, RNNOISE_FRAME).every((s) => s === 0));
    for (let i = RNNOISE_FRAME; i < joined.length; i++) {
      assert.ok(
        Math.abs((joined[i] ?? 0) - (input[i - RNNOISE_FRAME] ?? 0) / 2) < 1e-6,
        `sample ${i}`,
      );
    }
    // RNNoise saw 16-bit values: the second frame starts with input[480] = 0.8 → 26214.4.
    assert.equal(seen.length, 2);
    assert.ok(Math.abs((seen[1] ?? 0) - 0.8 * 32768) < 0.01);
  });
});
