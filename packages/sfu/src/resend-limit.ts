/**
 * Resends to one receiver, bounded: werift's sender answers every Generic NACK (RFC 4585 §6.2.1)
 * with every packet it names, each time it is named, and a receiver on a full link names the same
 * packets again every few milliseconds, so the resends filled the link they were lost on (2,400
 * drops in 10 s at 300 kbit/s; docs/media-adaptation.md "Pacing"). Here a packet is resent at most
 * three times, each only a round trip after the one before, and through the receiver's pacer; the
 * receiver's transport-wide feedback (send-history.ts) also sends again a resend it reports lost,
 * and a packet it reports lost that nobody asked for.
 */
import { GenericNack, type RTCRtpSender, RtcpTransportLayerFeedback, type RtpPacket } from "werift";
import { senderRoundTripMs } from "./receiver-seams.ts";

const MAX_RESENDS = 3;
/** Round trip assumed before one is measured. */
const DEFAULT_ROUND_TRIP_MS = 100;
/** Sequence numbers remembered; older ones are forgotten (werift keeps 128 packets to resend). */
const REMEMBERED = 256;

/**
 * The parts of werift 0.25.2's RTCRtpSender used here, by their names in its source
 * (webrtc/src/media/rtpSender.js): the packets it sent, by sequence number modulo 128, and the
 * RTCP handler this wraps.
 */
interface SenderSeams {
  rtpCache: (RtpPacket | undefined)[];
  nackCount: number;
  handleRtcpPacket(packet: unknown): void;
}

interface Resent {
  count: number;
  at: number;
}

export class ResendLimit {
  /** Resends let through and requests refused, for metrics and tests. */
  resent = 0;
  refused = 0;
  private readonly history = new Map<number, Resent>();
  /** Packets of a source the m-line no longer carries: never resent (forgetSent). */
  private forgotten = new WeakSet<RtpPacket>();

  constructor(
    private readonly sender: RTCRtpSender,
    /** Sends one packet already sent before (its header as it went out), paced. */
    private readonly resend: (packet: RtpPacket) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    const seams = sender as unknown as SenderSeams;
    const original = seams.handleRtcpPacket.bind(sender);
    seams.handleRtcpPacket = (packet: unknown) => {
      if (packet instanceof RtcpTransportLayerFeedback && packet.feedback instanceof GenericNack) {
        seams.nackCount++;
        this.requested(packet.feedback.lost);
        return;
      }
      original(packet);
    };
  }

  /** A receiver asked again for `lost` (sequence numbers as it received them). */
  requested(lost: readonly number[]): void {
    const seams = this.sender as unknown as SenderSeams;
    const t = this.now();
    const roundTrip = senderRoundTripMs(this.sender) ?? DEFAULT_ROUND_TRIP_MS;
    for (const sequence of lost) {
      const packet = seams.rtpCache[sequence % 128];
      if (!packet || packet.header.sequenceNumber !== sequence || this.forgotten.has(packet)) {
        continue;
      }
      const before = this.history.get(sequence);
      if (before && (before.count >= MAX_RESENDS || t - before.at < roundTrip)) {
        this.refused++;
        continue;
      }
      this.remember(sequence, { count: (before?.count ?? 0) + 1, at: t });
      this.resent++;
      this.resend(packet);
    }
  }

  /**
   * The receiver's transport-wide feedback says `sequence` did not arrive: sent again, within
   * the same limits, if it was a resend or if nobody asked for it yet (the request was lost).
   */
  lostOnTheWay(sequence: number, resend: boolean): void {
    if (!resend && this.history.has(sequence)) return;
    this.requested([sequence]);
  }

  /**
   * The m-line carries another publisher from now on: what it sent before is not resent, since
   * a receiver that rebound the m-line would bind it to the old sender again (DESIGN T6).
   */
  forgetSent(): void {
    const seams = this.sender as unknown as SenderSeams;
    this.forgotten = new WeakSet(seams.rtpCache.filter((p): p is RtpPacket => p !== undefined));
    this.history.clear();
  }

  private remember(sequence: number, resent: Resent): void {
    this.history.delete(sequence);
    this.history.set(sequence, resent);
    if (this.history.size > REMEMBERED) {
      const oldest = this.history.keys().next().value;
      if (oldest !== undefined) this.history.delete(oldest);
    }
  }
}
