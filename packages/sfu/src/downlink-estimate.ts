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
 *
 * Where the receiver sends that feedback, the estimate grows by itself to at most 1.5 times what
 * the receiver acknowledged (§5.5: it must not drift from what is sent). A higher layer past that
 * waits for a probe (downlink-fit.ts): padding sent on top of the media, which the delay judges
 * within a second without a keyframe being lost to it; a probe that got through raises the
 * estimate to what arrived, one that met a queue falls it as any queue does.
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
  /** Bits per second that feedback acknowledged over the last second; undefined without it. */
  readonly ackedBps?: number | undefined;
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
/** How far past what the receiver acknowledged the estimate grows without a probe (§5.5). */
const ACKED_BOUND = 1.5;

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
      const grown = Math.max(this.estimate, sent) * 1.08 ** sample.seconds;
      const bound = sample.ackedBps === undefined ? grown : ACKED_BOUND * sample.ackedBps;
      this.estimate = Math.max(this.estimate, Math.min(grown, bound));
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
   * to grow back to `ackedBps` once the queue drained. It keeps `keptBps` (the media a probe's
   * padding came on top of, which went through without a queue).
   */
  overuse(ackedBps: number, keptBps = 0): void {
    const fallen = Math.max(BETA * ackedBps, keptBps);
    this.estimate = Math.max(MIN_BPS, Math.min(this.estimate, fallen));
    this.recoverTo = ackedBps;
    this.startHold();
  }

  /** A probe got through without a queue: the link took the `ackedBps` that arrived. */
  probed(ackedBps: number): void {
    this.estimate = Math.min(MAX_BPS, Math.max(this.estimate, ackedBps));
  }

  /** A probe did not get what it sent through: no other before a hold, as after a failed try. */
  probeFailed(): void {
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
