/**
 * Feeds RNNoise (@shiguredo/rnnoise-wasm) from audio chunks of any length: RNNoise takes frames of
 * exactly 480 samples (10 ms at 48 kHz) in 16-bit units, the microphone gives chunks of its own
 * size in [-1, 1]. Each chunk in gives a chunk of the same length out, 480 samples (10 ms) late:
 * the output starts with one frame of silence.
 */

/** RNNoise's frame: 10 ms at 48 kHz, the only rate its model was trained for. */
export const RNNOISE_FRAME = 480;
export const RNNOISE_RATE = 48_000;
/** RNNoise expects 16-bit sample values; the Web Audio range is [-1, 1]. */
const PCM_SCALE = 32_768;

/** RNNoise's processFrame: denoises a 480-sample frame in place. */
export type ProcessFrame = (frame: Float32Array) => unknown;

export class Denoiser {
  private readonly frame = new Float32Array(RNNOISE_FRAME);
  private filled = 0;
  /** Denoised samples not yet handed out (a ring would save copies; chunks are small). */
  private ready: Float32Array<ArrayBuffer> = new Float32Array(RNNOISE_FRAME);

  constructor(private readonly processFrame: ProcessFrame) {}

  /** Takes `input` (mono, [-1, 1]) and returns as many denoised samples, 10 ms late. */
  push(input: Float32Array): Float32Array<ArrayBuffer> {
    const produced: Float32Array<ArrayBuffer>[] = [this.ready];
    for (const sample of input) {
      this.frame[this.filled++] = sample * PCM_SCALE;
      if (this.filled === RNNOISE_FRAME) {
        this.processFrame(this.frame);
        produced.push(this.frame.map((s) => s / PCM_SCALE));
        this.filled = 0;
      }
    }
    const all = concat(produced);
    this.ready = all.subarray(input.length);
    return all.subarray(0, input.length);
  }
}

function concat(parts: readonly Float32Array<ArrayBuffer>[]): Float32Array<ArrayBuffer> {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
