/**
 * When packets arrived, as well as a Node process can tell. While the event loop is busy, or the
 * process waits for a core, the kernel queues datagrams; they are then read one after another
 * within a few milliseconds and stamped as they are read. A publisher's delay-based estimator
 * (Chromium's GCC) reads such a burst, in the transport-wide feedback, as a queue building on its
 * path and lowers its rate; on a loaded machine its estimate sank to the lowest layer
 * (docs/media-adaptation.md "Arrival times").
 *
 * The clock notes each turn of the loop with a 5 ms heartbeat. When a beat comes late, what was
 * read since the previous beat came in during that stall: its arrivals are spread evenly over the
 * stall, in the order read, never later than when read. That is what kernel timestamps would show
 * for packets that arrived at an even pace; a queue that builds across stalls still shows.
 */

/** Something that stamped packets in the current turn, and settles their times at the beat. */
export interface ArrivalWindow {
  /**
   * The loop turned at `at` (ms). With `stalledSince`, the packets read since the last turn came
   * in during a stall that began then.
   */
  turn(at: number, stalledSince: number | undefined): void;
}

/** How late a beat must be to count as a stall. */
const STALL_MS = 10;

export class ArrivalClock {
  private last: number;
  private readonly touched = new Set<ArrivalWindow>();
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    readonly beatMs = 5,
    readonly now: () => number = () => performance.now(),
  ) {
    this.last = now();
  }

  /** Beats on a timer (not holding the process open). */
  start(): this {
    this.timer ??= setInterval(() => this.beat(), this.beatMs);
    this.timer.unref();
    return this;
  }

  /** Notes that `window` stamped packets in this turn: it hears of the next beat. */
  touch(window: ArrivalWindow): void {
    this.touched.add(window);
  }

  beat(): void {
    const at = this.now();
    const stalledSince = at - this.last > this.beatMs + STALL_MS ? this.last : undefined;
    this.last = at;
    const windows = [...this.touched];
    this.touched.clear();
    for (const window of windows) window.turn(at, stalledSince);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}

let shared: ArrivalClock | undefined;

/** The process's one clock: one heartbeat however many connections. */
export function sharedArrivalClock(): ArrivalClock {
  shared ??= new ArrivalClock().start();
  return shared;
}

/**
 * Arrival times for packets read in one stall, in the order read: spread evenly from the stall's
 * start to the beat that ended it, each no later than when it was read (`read`, same unit).
 */
export function spreadOverStall(read: readonly number[], since: number, until: number): number[] {
  const n = read.length;
  return read.map((t, k) => Math.min(t, since + ((until - since) * (k + 1)) / n));
}
