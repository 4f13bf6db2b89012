/**
 * The switch-off rule: the first frames of an effect (after a short warm-up) are timed, and if the
 * device needs more than
 * half a frame interval per frame (median), the effect is too slow for it. Half, not all: the
 * page also decodes the others' video, encrypts and draws, on the same cores.
 */

/**
 * The first frames are slower than the rest (the model's first runs, the JavaScript engine
 * compiling the per-frame code) and are not timed: they say nothing of the steady cost.
 */
export const WARMUP_FRAMES = 10;
/** How many frames are timed, after the warm-up, before deciding. */
export const TIMED_FRAMES = 30;

/**
 * A lower budget for testing the switch-off on a fast device, or for a device owner who wants the
 * effect only with room to spare: milliseconds per frame, in localStorage under this key.
 */
export const BUDGET_OVERRIDE_KEY = "conclave.effects.frameBudgetMs";

/** Milliseconds an effect may spend on one frame at `frameRate` frames a second. */
export function frameBudgetMs(frameRate: number | undefined): number {
  const override = Number(readOverride());
  if (Number.isFinite(override) && override > 0) return override;
  const rate = frameRate && frameRate > 0 ? frameRate : 30;
  return 1000 / rate / 2;
}

function readOverride(): string | null {
  try {
    return localStorage.getItem(BUDGET_OVERRIDE_KEY);
  } catch {
    return null;
  }
}

export type TimingVerdict =
  | { readonly kind: "timing" }
  | { readonly kind: "fast"; readonly medianMs: number }
  | { readonly kind: "slow"; readonly medianMs: number; readonly budgetMs: number };

/** Collects the first frames' times after the warm-up and gives the verdict once. */
export class FrameTiming {
  private readonly times: number[] = [];
  private seen = 0;
  private decided = false;

  constructor(readonly budgetMs: number) {}

  record(ms: number): TimingVerdict {
    if (this.decided || ++this.seen <= WARMUP_FRAMES) return { kind: "timing" };
    this.times.push(ms);
    if (this.times.length < TIMED_FRAMES) return { kind: "timing" };
    this.decided = true;
    const medianMs = median(this.times);
    return medianMs > this.budgetMs
      ? { kind: "slow", medianMs, budgetMs: this.budgetMs }
      : { kind: "fast", medianMs };
  }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}
