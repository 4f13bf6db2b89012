import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";

/** How often the delay is sampled, in ms: timers fire this often when the loop keeps up. */
const RESOLUTION_MS = 10;
/** Windows in a row over the limit before joins are refused: not for one slow start or burst. */
const WINDOWS_OVER = 2;

/**
 * Whether the server's thread keeps up. It reads every media packet, forwards it and runs every
 * timer; past what one core can forward, work queues and every timer fires late. The median lateness
 * of a 10 ms timer over the last window is the measure: one long pause (a garbage collection, a big
 * commit) moves the maximum, not the median, while a saturated loop moves both. Over `limitMs` in
 * two windows in a row (the first window of a starting process is always slow), the server is
 * overloaded and refuses new joins (join-gate.ts), so the people already in its meetings keep their
 * media (docs/operations.md "Overload").
 */
export class EventLoopLoad {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({
    resolution: RESOLUTION_MS,
  });
  private readonly timer: NodeJS.Timeout;
  private delay = 0;
  private windowsOver = 0;

  /** `limitMs` 0 never reports overload. */
  constructor(
    private readonly limitMs: number,
    windowMs = 1000,
  ) {
    this.histogram.enable();
    this.timer = setInterval(() => this.sample(), windowMs);
    this.timer.unref();
  }

  /** The median event-loop delay of the last window, in ms. */
  get delayMs(): number {
    return this.delay;
  }

  get overloaded(): boolean {
    return this.limitMs > 0 && this.windowsOver >= WINDOWS_OVER;
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }

  private sample(): void {
    // The histogram holds whole intervals, in ns: the delay is what exceeds the resolution.
    const median = this.histogram.count > 0 ? this.histogram.percentile(50) / 1e6 : 0;
    this.delay = Math.max(0, median - RESOLUTION_MS);
    this.windowsOver = this.delay > this.limitMs ? this.windowsOver + 1 : 0;
    this.histogram.reset();
  }
}
