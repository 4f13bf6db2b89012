import { E2eeUsageError } from "../errors.ts";

// Receive-side replay protection for one KID. RFC 9605 §7.4 leaves replay handling to the
// application; Conclave's rule (DESIGN §4: replays are dropped and counted) is that a CTR is
// accepted at most once, and only if it is no further than the window behind the highest CTR
// accepted so far. The window moves only on frames that authenticated, so a forged frame with a
// huge CTR cannot push genuine ones out of it.

/** Default number of CTR values behind the highest one that may still arrive (reordering room). */
export const DEFAULT_REPLAY_WINDOW = 128;

export type ReplayVerdict = "fresh" | "duplicate" | "too-old";

export class ReplayWindow {
  readonly #size: bigint;
  /** Highest CTR accepted, or -1 before the first. */
  #highest = -1n;
  /** Bit i set: CTR `highest - i` has been accepted (bit 0 is `highest` itself). */
  #seen = 0n;

  constructor(size: number = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size) || size < 1) throw new E2eeUsageError("replay window must be >= 1");
    this.#size = BigInt(size);
  }

  /** What `accept` would answer, without recording anything. */
  check(ctr: bigint): ReplayVerdict {
    if (ctr > this.#highest) return "fresh";
    const behind = this.#highest - ctr;
    if (behind >= this.#size) return "too-old";
    return ((this.#seen >> behind) & 1n) === 1n ? "duplicate" : "fresh";
  }

  /** Records `ctr` if it is fresh; call only for a frame that authenticated. */
  accept(ctr: bigint): ReplayVerdict {
    const verdict = this.check(ctr);
    if (verdict !== "fresh") return verdict;
    const mask = (1n << this.#size) - 1n;
    if (ctr > this.#highest) {
      const shift = ctr - this.#highest;
      this.#seen = shift >= this.#size ? 1n : ((this.#seen << shift) | 1n) & mask;
      this.#highest = ctr;
    } else {
      this.#seen |= 1n << (this.#highest - ctr);
    }
    return "fresh";
  }
}
