/**
 * What one receiver's downlink takes, estimated by the SFU from what it sent and the loss the
 * receiver reports (RTCP receiver reports, RFC 3550 §6.4.2), by the loss-based rule of Google's
 * congestion control (draft-ietf-rmcat-gcc-02 §6): above 10 % loss the estimate falls to what got
 * through, below 2 % it grows 8 % per second past what is sent, in between it holds. The SFU picks
 * each receiver's simulcast layers to fit it.
 *
 * Growing again is how the estimate learns the link got wider, and on a link that stays narrow
 * each try sends a higher layer into a full queue: its keyframe is lost, and the picture stops
 * until the fall back's keyframe gets through. So after loss the estimate stays where it fell for a
 * hold that doubles each time a try meets loss again (8 s, 16 s, … 1 min), and resets once a
 * try has held without loss for 20 s. Longer holds cost less on a link that stays narrow, but a
 * link that widens again waits that long for the videos paused on it (layer-choice.ts).
 *
 * A link that lost packets in the last minutes is `narrow`: there the estimate grows only to a
 * little above what was really sent. Grown past it untested, it let a second video onto the link
 * at once, and the loss that followed stalled the video already there. To learn that such a link
 * widened, the receiver's connection sends padding on top of its media (downlink-fit.ts), so what
 * was sent, and so the estimate, rises only as far as the link took it.
 */
export interface DownlinkSample {
  /** Bits the SFU sent this receiver since the last sample. */
  readonly bitsSent: number;
  /** Fraction of packets the receiver reported lost since the last sample, 0-1. */
  readonly lossFraction: number;
  /** Seconds since the last sample. */
  readonly seconds: number;
}

export const START_BPS = 1_500_000;
const MIN_BPS = 50_000;
const MAX_BPS = 20_000_000;
const FIRST_HOLD_S = 8;
const LONGEST_HOLD_S = 60;
/** A try that meets loss within this long after its hold ended failed; one that lasts succeeded. */
const TRY_S = 20;
/** How long a link that lost packets stays `narrow`. */
const LOSS_MEMORY_S = 300;
/** On a narrow link the estimate grows to at most this much above what was sent. */
const UNTESTED_GROWTH = 1.1;

export class DownlinkEstimate {
  private estimate: number;
  /** Seconds of samples so far: the estimate's own clock. */
  private clock = 0;
  private hold = FIRST_HOLD_S;
  /** Until when the estimate may not grow (after loss), on the estimate's clock. */
  private holdUntil = Number.NEGATIVE_INFINITY;
  /** When the link last lost packets, on the estimate's clock. */
  private lossAt = Number.NEGATIVE_INFINITY;

  constructor(start = START_BPS) {
    this.estimate = start;
  }

  /** Bits per second the downlink is believed to take now. */
  get bitsPerSecond(): number {
    return this.estimate;
  }

  /** Whether the estimate is held after loss now (it grows again once the hold is over). */
  get holding(): boolean {
    return this.clock < this.holdUntil;
  }

  /** Whether the link lost packets in the last minutes: it grows only by what was really sent. */
  get narrow(): boolean {
    return this.clock - this.lossAt < LOSS_MEMORY_S;
  }

  /**
   * A probe from `fromBps` that met some loss (2-10 %): back to where it started (its first looks
   * may have grown the estimate), and the next try waits as after loss.
   */
  probeFailed(fromBps: number): void {
    this.estimate = Math.min(this.estimate, fromBps);
    this.startHold();
  }

  /** Feeds one sample; true when it showed congestion (the estimate fell). */
  update(sample: DownlinkSample): boolean {
    if (sample.seconds <= 0) return false;
    this.clock += sample.seconds;
    const sent = sample.bitsSent / sample.seconds;
    const loss = sample.lossFraction;
    let congested = false;
    if (loss > 0.1) {
      this.estimate = Math.min(this.estimate, sent * (1 - 0.5 * loss));
      this.lossAt = this.clock;
      this.startHold();
      congested = true;
    } else if (loss < 0.02 && !this.holding) {
      const grown = Math.max(this.estimate, sent) * 1.08 ** sample.seconds;
      this.estimate = this.narrow
        ? Math.max(this.estimate, Math.min(grown, sent * UNTESTED_GROWTH))
        : grown;
      if (this.clock - this.holdUntil >= TRY_S) this.hold = FIRST_HOLD_S;
    }
    this.estimate = Math.min(MAX_BPS, Math.max(MIN_BPS, this.estimate));
    return congested;
  }

  private startHold(): void {
    // Soon after a hold ended: that try failed, and the next one waits twice as long.
    const sinceHold = this.clock - this.holdUntil;
    if (sinceHold >= 0 && sinceHold < TRY_S) this.hold = Math.min(this.hold * 2, LONGEST_HOLD_S);
    this.holdUntil = this.clock + this.hold;
  }
}
