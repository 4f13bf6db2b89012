/**
 * Whether a queue builds on the way to one receiver, judged by delay: the receiver's
 * transport-wide feedback (transport-feedback.ts) says when each packet arrived, the SFU knows
 * when it sent it (send-history.ts), and a queue that builds shows as packets arriving later and
 * later than they were sent, before it overflows. Loss (downlink-estimate.ts) shows a narrow link
 * only once its queue overflowed, and receiver reports say so once a second.
 *
 * The delay-based detector of Google's congestion control (draft-ietf-rmcat-gcc-02 §5), with the
 * trend line filter that replaced its Kalman filter in libwebrtc:
 *
 * - packets sent within 5 ms of each other form a group; between two groups, the delay
 *   variation is how much longer the second took to arrive after the first than to be sent
 *   after it (§5.2);
 * - the accumulated variation, smoothed, is fitted with a line over the last 20 groups; its slope
 *   times the number of groups seen (at most 60) and a gain of 4 is the trend (ms);
 * - the trend against an adaptive threshold (§5.4: starts at 12.5 ms, follows the trend's size
 *   slowly up and faster down, within 6-600 ms) says overuse (above it for 10 ms over two groups,
 *   and not falling), underuse (below its negative) or normal.
 *
 * What to do with the signal (the rate, §5.5) is the downlink estimate's.
 */

/** One packet a feedback reports: when it was sent, when it arrived (undefined: lost), its size. */
export interface PacketFate {
  readonly sentMs: number;
  readonly arrivalMs: number | undefined;
  readonly bytes: number;
}

export type DelaySignal = "normal" | "overuse" | "underuse";

const GROUP_MS = 5;
const WINDOW = 20;
const SMOOTHING = 0.9;
const GAIN = 4;
const MAX_DELTAS = 60;
const THRESHOLD_START_MS = 12.5;
const THRESHOLD_MIN_MS = 6;
const THRESHOLD_MAX_MS = 600;
const K_UP = 0.0087;
const K_DOWN = 0.039;
const OVERUSE_TIME_MS = 10;
const ACKED_WINDOW_MS = 1000;
/** An arrival gap this long is a pause (or the receiver's clock jumped), not queueing. */
const PAUSE_MS = 2000;

interface Group {
  firstSentMs: number;
  lastSentMs: number;
  lastArrivalMs: number;
}

interface Acked {
  readonly sentMs: number;
  readonly arrivalMs: number;
  readonly bytes: number;
}

export class DelayTrend {
  private signal: DelaySignal = "normal";
  private group: Group | undefined;
  private previous: Group | undefined;
  private accumulated = 0;
  private smoothed = 0;
  private firstArrivalMs: number | undefined;
  private readonly points: { x: number; y: number }[] = [];
  private deltas = 0;
  private threshold = THRESHOLD_START_MS;
  private lastThresholdUpdateMs: number | undefined;
  private overuseMs = 0;
  private overuseCount = 0;
  private previousTrend = 0;
  /** Received packets of the last second, by arrival: the acknowledged rate. */
  private readonly acked: Acked[] = [];
  private ackedBytes = 0;

  /** What the feedback so far shows. */
  get state(): DelaySignal {
    return this.signal;
  }

  /** Feeds one feedback's packets, in the order they were sent; returns the signal after it. */
  update(packets: readonly PacketFate[]): DelaySignal {
    for (const packet of packets) {
      if (packet.arrivalMs === undefined) continue;
      this.ack(packet.sentMs, packet.arrivalMs, packet.bytes);
      this.add(packet.sentMs, packet.arrivalMs);
    }
    return this.signal;
  }

  /** Bits per second the receiver acknowledged over the last second; undefined before 250 ms. */
  get ackedBps(): number | undefined {
    const first = this.acked[0];
    const last = this.acked[this.acked.length - 1];
    if (!first || !last) return undefined;
    const span = last.arrivalMs - first.arrivalMs;
    return span < 250 ? undefined : (this.ackedBytes * 8 * 1000) / span;
  }

  /**
   * How much longer the packets of the last second took to arrive than to be sent, as a ratio
   * of the two spans: above 1 when they were sent faster than the link carried them (a queue
   * grew), about 1 when the link carried what was sent, however their delays jittered in
   * between. Undefined before 250 ms of arrivals.
   */
  get spreadRatio(): number | undefined {
    const first = this.acked[0];
    const last = this.acked[this.acked.length - 1];
    if (!first || !last || last.arrivalMs - first.arrivalMs < 250) return undefined;
    let firstSent = Number.POSITIVE_INFINITY;
    let lastSent = Number.NEGATIVE_INFINITY;
    for (const a of this.acked) {
      firstSent = Math.min(firstSent, a.sentMs);
      lastSent = Math.max(lastSent, a.sentMs);
    }
    return (last.arrivalMs - first.arrivalMs) / Math.max(1, lastSent - firstSent);
  }

  private ack(sentMs: number, arrivalMs: number, bytes: number): void {
    const last = this.acked[this.acked.length - 1];
    // Arrivals out of order (reordered packets) count, but do not move the window back.
    if (last && arrivalMs - last.arrivalMs > PAUSE_MS) {
      this.acked.length = 0;
      this.ackedBytes = 0;
    }
    this.acked.push({ sentMs, arrivalMs, bytes });
    this.ackedBytes += bytes;
    const newest = Math.max(arrivalMs, last?.arrivalMs ?? arrivalMs);
    while (this.acked.length > 1 && newest - (this.acked[0] as Acked).arrivalMs > ACKED_WINDOW_MS) {
      this.ackedBytes -= (this.acked.shift() as Acked).bytes;
    }
  }

  /** Adds a packet to the current send group; a packet past it closes the group (§5.2). */
  private add(sentMs: number, arrivalMs: number): void {
    const group = this.group;
    if (!group) {
      this.group = { firstSentMs: sentMs, lastSentMs: sentMs, lastArrivalMs: arrivalMs };
      return;
    }
    // Sent before the group began: reordered on the SFU's side; it says nothing of the path.
    if (sentMs < group.firstSentMs) return;
    if (sentMs - group.firstSentMs <= GROUP_MS) {
      group.lastSentMs = Math.max(group.lastSentMs, sentMs);
      group.lastArrivalMs = Math.max(group.lastArrivalMs, arrivalMs);
      return;
    }
    if (this.previous) this.variation(this.previous, group);
    this.previous = group;
    this.group = { firstSentMs: sentMs, lastSentMs: sentMs, lastArrivalMs: arrivalMs };
  }

  private variation(before: Group, after: Group): void {
    const arrivalDelta = after.lastArrivalMs - before.lastArrivalMs;
    const sendDelta = after.lastSentMs - before.lastSentMs;
    if (arrivalDelta < 0 || arrivalDelta > PAUSE_MS) {
      // A pause in the stream or a jump of the receiver's clock: start the line again.
      this.points.length = 0;
      this.accumulated = 0;
      this.smoothed = 0;
      this.deltas = 0;
      this.firstArrivalMs = undefined;
      return;
    }
    this.deltas = Math.min(this.deltas + 1, MAX_DELTAS);
    this.accumulated += arrivalDelta - sendDelta;
    this.smoothed = SMOOTHING * this.smoothed + (1 - SMOOTHING) * this.accumulated;
    this.firstArrivalMs ??= after.lastArrivalMs;
    this.points.push({ x: after.lastArrivalMs - this.firstArrivalMs, y: this.smoothed });
    if (this.points.length > WINDOW) this.points.shift();
    if (this.points.length < WINDOW) return;
    const trend = this.deltas * slope(this.points) * GAIN;
    this.detect(trend, sendDelta, after.lastArrivalMs);
  }

  /** §5.4: the trend against the adaptive threshold. */
  private detect(trend: number, sendDeltaMs: number, arrivalMs: number): void {
    if (trend > this.threshold) {
      this.overuseMs += sendDeltaMs;
      this.overuseCount++;
      if (
        this.overuseMs > OVERUSE_TIME_MS &&
        this.overuseCount > 1 &&
        trend >= this.previousTrend
      ) {
        this.overuseMs = 0;
        this.overuseCount = 0;
        this.signal = "overuse";
      }
    } else if (trend < -this.threshold) {
      this.overuseMs = 0;
      this.overuseCount = 0;
      this.signal = "underuse";
    } else {
      this.overuseMs = 0;
      this.overuseCount = 0;
      this.signal = "normal";
    }
    this.previousTrend = trend;
    const size = Math.abs(trend);
    const since = arrivalMs - (this.lastThresholdUpdateMs ?? arrivalMs);
    this.lastThresholdUpdateMs = arrivalMs;
    // A spike far above the threshold (a burst of cross traffic) does not drag it up.
    if (size - this.threshold > 15) return;
    const k = size < this.threshold ? K_DOWN : K_UP;
    this.threshold += k * (size - this.threshold) * Math.min(since, 100);
    this.threshold = Math.min(THRESHOLD_MAX_MS, Math.max(THRESHOLD_MIN_MS, this.threshold));
  }
}

/** The least-squares slope of the points. */
function slope(points: readonly { x: number; y: number }[]): number {
  let sx = 0;
  let sy = 0;
  for (const p of points) {
    sx += p.x;
    sy += p.y;
  }
  const mx = sx / points.length;
  const my = sy / points.length;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
