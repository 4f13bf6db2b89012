/**
 * The loss on the SFU's link to one receiver, from the receiver's reports (RFC 3550 §6.4.1). A
 * report's own fraction lost counts every sequence number the receiver did not get, also those
 * the SFU never got from the publisher (a gap upstream is forwarded as a gap). Judged by it,
 * receivers on clean links behind a loaded or lossy publish leg seemed congested (50-87 % "loss"
 * with none on their links), their estimates sank and their videos with them.
 * Here the loss is what the SFU sent between two looks that the receiver did not get: the advance
 * of its highest sequence number less the advance of its cumulative loss (packets it got, late
 * repairs on the media stream included), plus the resends it got on the RTX stream, which its
 * report on the media stream does not count (libwebrtc counts a recovered packet on its RTX
 * stream only), against the packets the SFU sent up to that highest sequence number. Without the
 * RTX stream's count a receiver at 10 % random loss read as 10 % lost however well its losses were
 * repaired, and its estimate fell: 7 fps where resends on the media stream gave 18. Counted
 * against all it had sent when the report arrived instead, the packets still on their way (or
 * sent while a loaded event loop held the report) weighed as lost: clean links on a loaded
 * machine showed 10-100 % loss, and their estimates fell to the floor.
 */
interface Mark {
  readonly highest: number;
  readonly lost: number;
  readonly sent: number;
  /** Resends received on the RTX stream so far. */
  readonly repaired: number;
}

/** Sequence numbers remembered: some seconds of a video's packets, more than between reports. */
const HISTORY = 1024;

/** RFC 3550's cumulative number of packets lost is a 24-bit signed integer. */
function signed24(value: number): number {
  return value >= 0x800000 ? value - 0x1000000 : value;
}

export class DownlinkLoss {
  private looked: Mark | null = null;
  private latest: Mark | null = null;
  private sentTotal = 0;
  private repairedTotal = 0;
  /** Of the last packets sent, by sequence number modulo HISTORY: the number and the count so far. */
  private readonly sequences = new Int32Array(HISTORY).fill(-1);
  private readonly counts = new Float64Array(HISTORY);

  /** Notes one packet sent, with the sequence number it went out with (16 bits). */
  sent(sequence: number): void {
    this.sentTotal++;
    const i = sequence % HISTORY;
    this.sequences[i] = sequence;
    this.counts[i] = this.sentTotal;
  }

  /**
   * Notes one report: `highest` the extended highest sequence number received, `lost` the
   * cumulative number lost as sent (24 bits).
   */
  report(highest: number, lost: number): void {
    const sequence = highest & 0xffff;
    const i = sequence % HISTORY;
    // A sequence number no longer remembered (or never sent): all sent so far, as an upper bound.
    const sent = this.sequences[i] === sequence ? (this.counts[i] as number) : this.sentTotal;
    this.latest = { highest, lost: signed24(lost), sent, repaired: this.repairedTotal };
    this.looked ??= this.latest;
  }

  /**
   * Notes the receiver's report on the RTX stream, before the one on the media stream of the
   * same RTCP packet: `highest` and `lost` as there, `first` the RTX sequence number of the first
   * resend.
   */
  repairs(highest: number, lost: number, first: number): void {
    const received = ((highest - first) >>> 0) + 1 - signed24(lost);
    this.repairedTotal = Math.max(this.repairedTotal, received);
  }

  /**
   * The fraction of the packets sent between the report the last look took and the latest that
   * did not arrive (0 to 1); null when no report came since, or nothing was sent.
   */
  take(): number | null {
    const [from, to] = [this.looked, this.latest];
    if (from === null || to === null || from === to) return null;
    this.looked = to;
    const sent = to.sent - from.sent;
    if (sent <= 0) return null;
    const received =
      ((to.highest - from.highest) >>> 0) - (to.lost - from.lost) + (to.repaired - from.repaired);
    return Math.min(1, Math.max(0, 1 - received / sent));
  }
}
