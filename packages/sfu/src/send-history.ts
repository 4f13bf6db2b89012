/**
 * When each packet to one receiver left the SFU, and its size on the wire, by its transport-wide
 * sequence number (the header extension werift's sender stamps from one counter per connection):
 * what the receiver's transport-wide feedback is read against (delay-trend.ts). Kept for the last
 * 4096 packets, a few seconds of video; a feedback about older ones finds nothing.
 *
 * A video packet also keeps the m-line that sent it and its RTP sequence number, so that one the
 * feedback reports lost can be sent again at once (`repairLost`).
 */
import type { PacketFate } from "./delay-trend.ts";
import type { FeedbackReport } from "./transport-feedback.ts";

const SIZE = 4096;
/** Marks, in `rtpSequences`, a packet that was itself a resend. */
const RESEND = 0x10000;

/** The m-line a video packet went out on: it decides whether to send it again. */
export interface LostPacketSink {
  /** The receiver's feedback says RTP packet `sequence` did not arrive (`resend`: a resend of it). */
  lostOnTheWay(sequence: number, resend: boolean): void;
}

export class SendHistory {
  private readonly sentMs = new Float64Array(SIZE);
  private readonly bytes = new Uint32Array(SIZE);
  /** The unwrapped sequence number each entry holds (-1: none). */
  private readonly sequences = new Float64Array(SIZE).fill(-1);
  /** The highest unwrapped sequence number recorded. */
  private highest: number | null = null;
  /** For a video packet, its m-line, and its RTP sequence number (with RESEND for a resend). */
  private readonly owners: (LostPacketSink | undefined)[] = new Array(SIZE);
  private readonly rtpSequences = new Int32Array(SIZE);

  /**
   * Records the packet of 16-bit transport sequence `sequence`, sent now; for a video packet, the
   * m-line `owner` that sent it as RTP sequence `rtpSequence`, a resend or not.
   */
  sent(
    sequence: number,
    bytes: number,
    atMs: number,
    owner?: LostPacketSink,
    rtpSequence = 0,
    resend = false,
  ): void {
    const unwrapped = this.unwrap(sequence);
    if (this.highest === null || unwrapped > this.highest) this.highest = unwrapped;
    const i = unwrapped % SIZE;
    this.sequences[i] = unwrapped;
    this.sentMs[i] = atMs;
    this.bytes[i] = bytes;
    this.owners[i] = owner;
    this.rtpSequences[i] = rtpSequence | (resend ? RESEND : 0);
  }

  /** Tells each video packet's m-line that a feedback reports it lost. */
  repairLost(report: FeedbackReport): void {
    if (this.highest === null) return;
    const base = this.unwrap(report.baseSequence);
    report.arrivals.forEach((arrivalUs, k) => {
      if (arrivalUs !== undefined) return;
      const sequence = base + k;
      const i = sequence % SIZE;
      const owner = this.owners[i];
      if (sequence < 0 || this.sequences[i] !== sequence || owner === undefined) return;
      const rtp = this.rtpSequences[i] as number;
      owner.lostOnTheWay(rtp & 0xffff, (rtp & RESEND) !== 0);
    });
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
