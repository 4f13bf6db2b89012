/**
 * Retransmission requests (RFC 4585 §6.2.1 Generic NACK) for what a publisher sends the SFU, one
 * sequence space per SSRC (each simulcast layer has its own). A lost packet is asked for at most
 * `maxRequests` times, the next request only after a round trip has had time to bring the resend;
 * werift's own handler asks every 5 ms up to 10 times, which on a full link is a flood of requests
 * and resends into the same link (docs/media-adaptation.md).
 */

/** How the repair paces itself; the round trip is read each time, so it follows the estimate. */
export interface RepairPolicy {
  readonly maxRequests: number;
  /** Current round-trip estimate in ms (the wait before asking again). */
  readonly roundTripMs: () => number;
  /** Packets older than this many behind the newest are given up (a keyframe will follow). */
  readonly window: number;
}

export const DEFAULT_REPAIR: Omit<RepairPolicy, "roundTripMs"> = { maxRequests: 3, window: 256 };

/** Where requests go: sequence numbers of `ssrc` to ask for again. */
export type NackWriter = (ssrc: number, lost: readonly number[]) => void;

interface Missing {
  requests: number;
  nextAt: number;
}

/** One SSRC's sequence space. */
class StreamRepair {
  private highest: number | null = null;
  readonly missing = new Map<number, Missing>();

  constructor(private readonly policy: RepairPolicy) {}

  /** Notes a packet; returns whether new gaps opened. */
  received(sequence: number, now: number): boolean {
    if (this.highest === null) {
      this.highest = sequence;
      return false;
    }
    const ahead = ((sequence - this.highest + 0x8000) & 0xffff) - 0x8000;
    if (ahead <= 0) {
      this.missing.delete(sequence);
      return false;
    }
    // A jump larger than the window is a restart of the stream, not loss.
    if (ahead > 1 && ahead <= this.policy.window) {
      for (let n = 1; n < ahead; n++) {
        this.missing.set((this.highest + n) & 0xffff, { requests: 0, nextAt: now });
      }
    }
    this.highest = sequence;
    this.forgetOld();
    return ahead > 1;
  }

  /** Sequence numbers due for a request now; counts them as asked. */
  due(now: number): number[] {
    const due: number[] = [];
    const wait = this.policy.roundTripMs();
    for (const [sequence, entry] of this.missing) {
      if (entry.nextAt > now) continue;
      due.push(sequence);
      entry.requests++;
      entry.nextAt = now + wait;
      if (entry.requests >= this.policy.maxRequests) this.missing.delete(sequence);
    }
    return due;
  }

  private forgetOld(): void {
    if (this.highest === null) return;
    for (const sequence of this.missing.keys()) {
      const behind = (this.highest - sequence) & 0xffff;
      if (behind > this.policy.window) this.missing.delete(sequence);
    }
  }
}

/**
 * The repair of one received m-line: gaps are asked for at once, again after each round trip
 * while still missing, and given up after `maxRequests`. A timer runs only while something is
 * missing.
 */
export class LossRepair {
  private readonly streams = new Map<number, StreamRepair>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private readonly write: NackWriter,
    private readonly policy: RepairPolicy,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Retransmission requests sent so far (sequence numbers, counting repeats). */
  requested = 0;

  received(ssrc: number, sequence: number): void {
    if (this.closed) return;
    let stream = this.streams.get(ssrc);
    if (!stream) {
      stream = new StreamRepair(this.policy);
      this.streams.set(ssrc, stream);
    }
    if (stream.received(sequence, this.now())) this.ask();
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.streams.clear();
  }

  private ask(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const now = this.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [ssrc, stream] of this.streams) {
      const due = stream.due(now);
      if (due.length > 0) {
        this.requested += due.length;
        this.write(ssrc, due);
      }
      for (const entry of stream.missing.values()) next = Math.min(next, entry.nextAt);
    }
    if (next !== Number.POSITIVE_INFINITY && !this.closed) {
      this.timer = setTimeout(() => this.ask(), Math.max(1, next - now));
      this.timer.unref();
    }
  }
}
