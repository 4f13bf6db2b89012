/**
 * When each packet to one receiver left the SFU, and its size on the wire, by its transport-wide
 * sequence number (the header extension werift's sender stamps from one counter per connection):
 * what the receiver's transport-wide feedback is read against (delay-trend.ts). Kept for the last
 * 4096 packets, a few seconds of video; a feedback about older ones finds nothing.
 */
import type { PacketFate } from "./delay-trend.ts";
import type { FeedbackReport } from "./transport-feedback.ts";

const SIZE = 4096;

export class SendHistory {
  private readonly sentMs = new Float64Array(SIZE);
  private readonly bytes = new Uint32Array(SIZE);
  /** The unwrapped sequence number each entry holds (-1: none). */
  private readonly sequences = new Float64Array(SIZE).fill(-1);
  /** The highest unwrapped sequence number recorded. */
  private highest: number | null = null;

  /** Records the packet of 16-bit transport sequence `sequence`, sent now. */
  sent(sequence: number, bytes: number, atMs: number): void {
    const unwrapped = this.unwrap(sequence);
    if (this.highest === null || unwrapped > this.highest) this.highest = unwrapped;
    const i = unwrapped % SIZE;
    this.sequences[i] = unwrapped;
    this.sentMs[i] = atMs;
    this.bytes[i] = bytes;
  }

  /**
   * The packets a feedback reports, in sequence (send) order, with when each arrived in ms on the
   * receiver's clock; packets not in the history (too old, or never sent) are left out.
   */
  fates(report: FeedbackReport): PacketFate[] {
    const fates: PacketFate[] = [];
    if (this.highest === null) return fates;
    const base = this.unwrap(report.baseSequence);
    report.arrivals.forEach((arrivalUs, k) => {
      const sequence = base + k;
      const i = sequence % SIZE;
      if (sequence < 0 || this.sequences[i] !== sequence) return;
      fates.push({
        sentMs: this.sentMs[i] as number,
        arrivalMs: arrivalUs === undefined ? undefined : arrivalUs / 1000,
        bytes: this.bytes[i] as number,
      });
    });
    return fates;
  }

  /** A 16-bit number as the running count nearest the highest recorded. */
  private unwrap(sequence: number): number {
    if (this.highest === null) return sequence;
    const delta = ((sequence - (this.highest & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    return this.highest + delta;
  }
}
