/**
 * The loss on the SFU's link to one receiver, from the receiver's reports (RFC 3550 §6.4.1). A
 * report's own fraction lost counts every sequence number the receiver did not get, also those
 * the SFU never got from the publisher (a gap upstream is forwarded as a gap). Judged by it,
 * receivers on clean links behind a loaded or lossy publish leg seemed congested (50-87 % "loss"
 * with none on their links), their estimates sank and their videos with them.
 * Here the loss is what the SFU sent between two looks that the receiver did not get: the advance
 * of its highest sequence number less the advance of its cumulative loss (packets it got, late
 * repairs included), against the packets the SFU had sent when each report came. Reports come
 * more often than the looks; between two close reports the packets still on their way would
 * weigh as lost.
 */
interface Mark {
  readonly highest: number;
  readonly lost: number;
  readonly sent: number;
}

/** RFC 3550's cumulative number of packets lost is a 24-bit signed integer. */
function signed24(value: number): number {
  return value >= 0x800000 ? value - 0x1000000 : value;
}

export class DownlinkLoss {
  private looked: Mark | null = null;
  private latest: Mark | null = null;

  /**
   * Notes one report: `highest` the extended highest sequence number received, `lost` the
   * cumulative number lost as sent (24 bits), `sent` how many packets the SFU had sent on this
   * stream when it came.
   */
  report(highest: number, lost: number, sent: number): void {
    this.latest = { highest, lost: signed24(lost), sent };
    this.looked ??= this.latest;
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
    const received = ((to.highest - from.highest) >>> 0) - (to.lost - from.lost);
    return Math.min(1, Math.max(0, 1 - received / sent));
  }
}
