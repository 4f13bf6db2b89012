/**
 * Per received RTP stream: packets, bytes and loss counted the RFC 3550 §6.4.1 way, i.e.
 * lost = expected − received, where expected spans the extended sequence numbers seen. Duplicates
 * and retransmissions can push received past expected; loss is then reported as 0, not negative.
 */
export interface StreamCounts {
  readonly packets: number;
  readonly bytes: number;
  readonly lost: number;
}

export class StreamCounter {
  private packets = 0;
  private bytes = 0;
  private base: number | null = null;
  /** Highest extended (32-bit, wrap-counted) sequence number seen. */
  private highest = 0;

  record(sequenceNumber: number, payloadBytes: number): void {
    this.packets++;
    this.bytes += payloadBytes;
    const seq = sequenceNumber & 0xffff;
    if (this.base === null) {
      this.base = seq;
      this.highest = seq;
      return;
    }
    // Place seq in the cycle nearest to the highest seen, so wrap-around and reordering both work.
    const delta = ((seq - (this.highest & 0xffff) + 0x18000) & 0xffff) - 0x8000;
    if (delta > 0) this.highest += delta;
  }

  counts(): StreamCounts {
    const expected = this.base === null ? 0 : this.highest - this.base + 1;
    return { packets: this.packets, bytes: this.bytes, lost: Math.max(0, expected - this.packets) };
  }
}
