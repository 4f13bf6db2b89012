/**
 * Sends one receiver's packets at the pace its connection sets (subscribe-transport.ts: its
 * downlink estimate, never below what the chosen layers bring in): a leaky bucket at `rateBps`,
 * with a burst of 20 ms (at least two full packets). A publisher's keyframe reaches the SFU as a
 * burst at the publisher's own pace; forwarded as it came, it overflows the queue of a narrow link
 * and is lost, the receiver asks for the lost packets and then for a new keyframe, and the video
 * stops (docs/media-adaptation.md "Pacing"). Audio is never held: it goes at once, and video after
 * it waits for the bytes it used. Order is kept per receiver, so a layer switch's sequence splice
 * happens between the packets it separates.
 */
import type { RtpPacket } from "werift";

/** Where a layer switch continues the sequence numbers and timestamps (`timestampStep` later). */
export interface Splice {
  readonly timestampStep: number;
}

/** A packet sent before, asked for again by the receiver: it goes out as it went the first time. */
export interface Resend {
  readonly resend: RtpPacket;
}

/** A packet of the stream not forwarded: later ones close the gap its sequence number leaves. */
export interface Skip {
  readonly skip: true;
}

export type Paced = RtpPacket | Splice | Resend | Skip;

export interface PacedSink {
  /** Sends a packet (of `bytes` on the wire), applies a splice or resends a packet, in pace order. */
  dispatch(item: Paced, bytes: number): void;
}

interface Entry {
  readonly sink: PacedSink;
  readonly item: Paced;
  readonly bytes: number;
}

const BURST_S = 0.02;
const MIN_BURST_BYTES = 2 * 1200;
/** Video that would wait longer than this is dropped: the estimate is far off, and it will fall. */
const MAX_DELAY_S = 1;

export class Pacer {
  /** Bits per second the bucket lets through; the transport sets it from its downlink estimate. */
  rateBps: number;
  /** Video packets dropped because the queue held more than MAX_DELAY_S; read and reset by adapt. */
  dropped = 0;
  private tokens: number;
  private last: number;
  private queue: Entry[] = [];
  private head = 0;
  private queuedBytes = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    rateBps: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.rateBps = rateBps;
    this.tokens = this.burst();
    this.last = now();
  }

  /** Bytes waiting now. */
  get waiting(): number {
    return this.queuedBytes;
  }

  /**
   * Sends at once when the bucket allows and nothing waits, else after what waits; false if it
   * had to drop it (video waiting longer than a second). Items of no bytes are never dropped.
   */
  send(sink: PacedSink, item: Paced, bytes: number, urgent = false): boolean {
    this.refill();
    if (urgent || (this.head === this.queue.length && this.tokens >= bytes)) {
      this.tokens -= bytes;
      sink.dispatch(item, bytes);
      return true;
    }
    if (bytes > 0 && this.queuedBytes + bytes > (this.rateBps / 8) * MAX_DELAY_S) {
      this.dropped++;
      return false;
    }
    this.queue.push({ sink, item, bytes });
    this.queuedBytes += bytes;
    this.schedule();
    return true;
  }

  /**
   * Forgets what `sink` queued (its layer stopped for congestion). None of it was sent, so the
   * receiver sees no gap in the sequence numbers, only a frame that never completes.
   */
  discard(sink: PacedSink): void {
    const kept = this.queue.slice(this.head).filter((e) => e.sink !== sink);
    this.queue = kept;
    this.head = 0;
    this.queuedBytes = kept.reduce((sum, e) => sum + e.bytes, 0);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
  }

  private burst(): number {
    return Math.max(MIN_BURST_BYTES, (this.rateBps / 8) * BURST_S);
  }

  private refill(): void {
    const t = this.now();
    const earned = this.tokens + ((t - this.last) / 1000) * (this.rateBps / 8);
    // The burst caps what an idle pacer saves up; while packets wait, a timer that fired late (a
    // busy event loop) must not cost the receiver its rate, so what is due goes.
    this.tokens = this.head === this.queue.length ? Math.min(this.burst(), earned) : earned;
    this.last = t;
  }

  private drain(): void {
    this.timer = null;
    this.refill();
    while (this.head < this.queue.length) {
      const entry = this.queue[this.head] as Entry;
      if (entry.bytes > this.tokens) break;
      this.tokens -= entry.bytes;
      this.queuedBytes -= entry.bytes;
      this.head++;
      entry.sink.dispatch(entry.item, entry.bytes);
    }
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
      return;
    }
    // Compact now and then, so a queue that never empties does not grow its array forever.
    if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== null || this.head === this.queue.length) return;
    const need = (this.queue[this.head] as Entry).bytes - this.tokens;
    const ms = Math.max(1, (need * 8 * 1000) / this.rateBps);
    this.timer = setTimeout(() => this.drain(), ms);
    this.timer.unref?.();
  }
}
