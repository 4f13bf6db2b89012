// A small queue for frames that arrive keyed with the next MLS epoch before this member has
// processed the commit that starts it (the sender processed it first). Dropping them would cost a
// video key frame right at every membership change; holding them for a few hundred milliseconds
// lets the caller retry them once the epoch is installed. The hold is bounded in count and age, and
// everything it gives up is counted: nothing is passed on undecrypted (DESIGN §7.4).
//
// No timers: age is checked on every call against an injectable clock, so tests are deterministic.
// A caller that wants expiry while no frames arrive calls `expire()` from its own timer.
import { E2eeUsageError } from "../errors.ts";

export const DEFAULT_HOLD_MAX_FRAMES = 50;
export const DEFAULT_HOLD_MAX_AGE_MS = 500;

export interface NextEpochHoldOptions {
  /** most frames held at once; further ones are refused and counted as overflow (default 50) */
  readonly maxFrames?: number;
  /** how long a frame may wait for its epoch, in ms (default 500) */
  readonly maxAgeMs?: number;
  /** the clock, in ms (default Date.now) */
  readonly now?: () => number;
}

export interface NextEpochHoldStats {
  readonly held: number;
  readonly released: number;
  readonly expired: number;
  readonly overflow: number;
}

interface Held<T> {
  readonly item: T;
  readonly at: number;
}

export class NextEpochHold<T> {
  readonly #maxFrames: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #queue: Held<T>[] = [];
  #released = 0;
  #expired = 0;
  #overflow = 0;

  constructor(options: NextEpochHoldOptions = {}) {
    const maxFrames = options.maxFrames ?? DEFAULT_HOLD_MAX_FRAMES;
    const maxAgeMs = options.maxAgeMs ?? DEFAULT_HOLD_MAX_AGE_MS;
    if (!Number.isInteger(maxFrames) || maxFrames < 1) {
      throw new E2eeUsageError("maxFrames must be an integer >= 1");
    }
    if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
      throw new E2eeUsageError("maxAgeMs must be >= 0");
    }
    this.#maxFrames = maxFrames;
    this.#maxAgeMs = maxAgeMs;
    this.#now = options.now ?? Date.now;
  }

  /** Frames waiting now (after dropping expired ones). */
  get size(): number {
    this.expire();
    return this.#queue.length;
  }

  /**
   * Holds `item` until `release()`. Returns false, and counts an overflow, when the hold is full:
   * the earliest frames are kept, since a decoder needs a sequence from its start.
   */
  hold(item: T): boolean {
    this.expire();
    if (this.#queue.length >= this.#maxFrames) {
      this.#overflow++;
      return false;
    }
    this.#queue.push({ item, at: this.#now() });
    return true;
  }

  /** The epoch changed: every frame still within its age, oldest first, for the caller to retry. */
  release(): T[] {
    this.expire();
    const items = this.#queue.map((held) => held.item);
    this.#queue = [];
    this.#released += items.length;
    return items;
  }

  /** Drops (and counts) frames older than the maximum age; returns how many went. */
  expire(): number {
    const oldest = this.#now() - this.#maxAgeMs;
    const kept = this.#queue.filter((held) => held.at >= oldest);
    const gone = this.#queue.length - kept.length;
    this.#queue = kept;
    this.#expired += gone;
    return gone;
  }

  /** Drops everything held, counted as expired (the stream or the meeting ended). */
  clear(): void {
    this.#expired += this.#queue.length;
    this.#queue = [];
  }

  stats(): NextEpochHoldStats {
    this.expire();
    return {
      held: this.#queue.length,
      released: this.#released,
      expired: this.#expired,
      overflow: this.#overflow,
    };
  }
}
