/**
 * What one receiver's downlink takes, estimated by the SFU from what it sent, the loss the
 * receiver reports (RTCP receiver reports, RFC 3550 §6.4.2) and, where the receiver sends
 * transport-wide feedback, the delay its packets met (delay-trend.ts), by the rules of Google's
 * congestion control (draft-ietf-rmcat-gcc-02): above 10 % loss the estimate falls to what got
 * through (§6); a queue building falls it to 85 % of what the receiver acknowledged, at once
 * (§5.5); below 2 % loss and with no queue building it grows 8 % per second past what is sent; in
 * between it holds. The SFU picks each receiver's simulcast layers to fit it.
 *
 * Growing again is how the estimate learns the link got wider, and on a link that stays narrow
 * each try sends a higher layer into a full queue: its keyframe is lost, and the picture stops
 * until the fall back's keyframe gets through. So after loss the estimate stays where it fell for a
 * hold that doubles each time a try meets loss again (8 s, 16 s, … 1 min), and resets once a
 * try has held without loss for 20 s. Longer holds cost less on a link that stays narrow, but a
 * link that widens again waits that long for the videos paused on it (layer-choice.ts).
 *
 * A queue building falls the estimate below what the link carried, to drain the queue; once the
 * delay is normal again it grows back within the hold, but only up to what the receiver
 * acknowledged when the queue was seen (arrivals at a full link are its capacity). Held where it
 * fell instead, the videos that fitted before the try lost frames for the whole hold, and each
 * later queue fell it lower still.
 */
export interface DownlinkSample {
  /** Bits the SFU sent this receiver since the last sample. */
  readonly bitsSent: number;
  /** Fraction of packets the receiver reported lost since the last sample, 0-1. */
  readonly lossFraction: number;
  /** Seconds since the last sample. */
  readonly seconds: number;
  /** What the receiver's transport-wide feedback shows now; undefined when it sends none. */
  readonly delay?: DelaySignal | undefined;
}

import type { DelaySignal } from "./delay-trend.ts";

export const START_BPS = 1_500_000;
const MIN_BPS = 50_000;
const MAX_BPS = 20_000_000;
const FIRST_HOLD_S = 8;
const LONGEST_HOLD_S = 60;
/** A try that meets loss within this long after its hold ended failed; one that lasts succeeded. */
const TRY_S = 20;
/** A queue building falls the estimate to this share of what the receiver acknowledged. */
const BETA = 0.85;

export class DownlinkEstimate {
  private estimate: number;
  /** Seconds of samples so far: the estimate's own clock. */
  private clock = 0;
  private hold = FIRST_HOLD_S;
  /** Until when the estimate may not grow (after loss), on the estimate's clock. */
  private holdUntil = Number.NEGATIVE_INFINITY;
  /** What it may grow back to within the hold: the rate acknowledged at the last queue seen. */
  private recoverTo = 0;

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

  /** Feeds one sample; true when it showed congestion (the estimate fell). */
  update(sample: DownlinkSample): boolean {
    if (sample.seconds <= 0) return false;
    this.clock += sample.seconds;
    const sent = sample.bitsSent / sample.seconds;
    const loss = sample.lossFraction;
    const sinceHold = this.clock - this.holdUntil;
    let congested = false;
    const clear = loss < 0.02 && (sample.delay ?? "normal") === "normal";
    if (loss > 0.1) {
      this.estimate = Math.min(this.estimate, sent * (1 - 0.5 * loss));
      this.recoverTo = 0;
      this.startHold();
      congested = true;
    } else if (clear && !this.holding) {
      this.estimate = Math.max(this.estimate, sent) * 1.08 ** sample.seconds;
      if (sinceHold >= TRY_S) this.hold = FIRST_HOLD_S;
    } else if (clear && this.estimate < this.recoverTo) {
      this.estimate = Math.min(this.recoverTo, this.estimate * 1.08 ** sample.seconds);
    }
    this.estimate = Math.min(MAX_BPS, Math.max(MIN_BPS, this.estimate));
    return congested;
  }

  /**
   * A queue builds on the way to the receiver (delay-trend.ts), which acknowledged `ackedBps`
   * lately: the estimate falls below that, if it was not already, and holds as after loss, free
   * to grow back to `ackedBps` once the queue drained.
   */
  overuse(ackedBps: number): void {
    this.estimate = Math.max(MIN_BPS, Math.min(this.estimate, BETA * ackedBps));
    this.recoverTo = ackedBps;
    this.startHold();
  }

  /** Congestion soon after a hold ended: that try failed, and the next one waits twice as long. */
  private startHold(): void {
    const sinceHold = this.clock - this.holdUntil;
    this.hold =
      sinceHold >= 0 && sinceHold < TRY_S ? Math.min(this.hold * 2, LONGEST_HOLD_S) : this.hold;
    this.holdUntil = this.clock + this.hold;
  }
}
