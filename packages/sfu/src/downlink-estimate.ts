/**
 * What one receiver's downlink takes, estimated by the SFU from what it sent and the loss the
 * receiver reports (RTCP receiver reports, RFC 3550 §6.4.2), by the loss-based rule of Google's
 * congestion control (draft-ietf-rmcat-gcc-02 §6): above 10 % loss the estimate falls to what got
 * through, below 2 % it grows 8 % per second past what is sent, in between it holds. The SFU picks
 * each receiver's simulcast layers to fit it.
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

export class DownlinkEstimate {
  private estimate: number;

  constructor(start = START_BPS) {
    this.estimate = start;
  }

  /** Bits per second the downlink is believed to take now. */
  get bitsPerSecond(): number {
    return this.estimate;
  }

  update(sample: DownlinkSample): number {
    if (sample.seconds <= 0) return this.estimate;
    const sent = sample.bitsSent / sample.seconds;
    const loss = sample.lossFraction;
    if (loss > 0.1) {
      this.estimate = Math.min(this.estimate, sent * (1 - 0.5 * loss));
    } else if (loss < 0.02) {
      this.estimate = Math.max(this.estimate, sent) * 1.08 ** sample.seconds;
    }
    this.estimate = Math.min(MAX_BPS, Math.max(MIN_BPS, this.estimate));
    return this.estimate;
  }
}
