import {
  GenericNack,
  type RTCRtpReceiver,
  type RTCRtpSender,
  RTP_EXTENSION_URI,
  RtcpTransportLayerFeedback,
  type RtpPacket,
  wrapRtx,
} from "werift";
import { DEFAULT_REPAIR, LossRepair } from "./loss-repair.ts";
import { TransportFeedback } from "./transport-feedback.ts";

/**
 * The parts of werift 0.25.2's RTCRtpReceiver the SFU replaces, by their names in its source
 * (webrtc/src/media/rtpReceiver.js): `nack` gets each received video packet, `receiverTWCC` each
 * packet's transport-wide sequence number, `setupTWCC` makes the latter after (re)negotiation.
 * werift declares them private; this is the one place that reaches them (docs/media-adaptation.md).
 */
interface ReceiverSeams {
  nack: { addPacket(packet: RtpPacket): void; close(): void };
  receiverTWCC?: { handleTWCC(sequence: unknown): void; twccRunning: boolean };
  setupTWCC(mediaSourceSsrc: number): void;
  readonly rtcpSsrc: number;
}

/** An RTCP packet werift's DTLS transport can send: it only calls `serialize`. */
function rawRtcp(bytes: Buffer): RtcpTransportLayerFeedback {
  return { serialize: () => bytes } as RtcpTransportLayerFeedback;
}

/** Round trip used before any measurement: a loaded path, not a LAN. */
const DEFAULT_ROUND_TRIP_MS = 100;

/**
 * A publish connection's answers to what it receives: transport-wide feedback for all its
 * m-lines, and bounded retransmission requests per m-line, paced by `roundTripMs`.
 */
export class ReceiveFeedback {
  private feedback: TransportFeedback | null = null;
  private readonly repairs = new Set<LossRepair>();

  constructor(
    private readonly roundTripMs: () => number | undefined,
    /** The arrival clock, in µs (tests simulate a link with it). */
    private readonly nowUs?: () => number,
  ) {}

  /** NACKs sent for lost packets so far, counting repeats. */
  get nacksRequested(): number {
    let total = 0;
    for (const repair of this.repairs) total += repair.requested;
    return total;
  }

  /** Puts the SFU's feedback and repair in werift's place on `receiver`. Idempotent per receiver. */
  adopt(receiver: RTCRtpReceiver): void {
    const seams = receiver as unknown as ReceiverSeams;
    const send = (packet: RtcpTransportLayerFeedback) => {
      receiver.dtlsTransport?.sendRtcp([packet]).catch(() => {});
    };
    if (!this.feedback) {
      this.feedback = new TransportFeedback(
        seams.rtcpSsrc,
        (bytes) => send(rawRtcp(bytes)),
        undefined,
        this.nowUs,
      );
    }
    const feedback = this.feedback;
    feedback.mediaSsrc ??= receiver.tracks.find((t) => t.ssrc !== undefined)?.ssrc;
    const adapter = {
      handleTWCC: (sequence: unknown) => {
        if (typeof sequence === "number") feedback.received(sequence);
      },
      twccRunning: true,
    };
    seams.setupTWCC = () => {
      seams.receiverTWCC = adapter;
    };
    seams.receiverTWCC = adapter;
    if (seams.nack instanceof LossRepairSeam) return;
    seams.nack.close();
    const repair = new LossRepair(
      (ssrc, lost) => {
        const nack = new GenericNack({
          senderSsrc: seams.rtcpSsrc,
          mediaSourceSsrc: ssrc,
          lost: [...lost],
        });
        send(new RtcpTransportLayerFeedback({ feedback: nack }));
      },
      {
        ...DEFAULT_REPAIR,
        roundTripMs: () =>
          Math.min(1000, Math.max(20, this.roundTripMs() ?? DEFAULT_ROUND_TRIP_MS)),
      },
    );
    this.repairs.add(repair);
    seams.nack = new LossRepairSeam(repair);
  }

  close(): void {
    this.feedback?.close();
    for (const repair of this.repairs) repair.close();
  }
}

/** LossRepair in the shape werift's receiver calls. */
class LossRepairSeam {
  constructor(private readonly repair: LossRepair) {}

  addPacket(packet: RtpPacket): void {
    this.repair.received(packet.header.ssrc, packet.header.sequenceNumber);
  }

  close(): void {
    this.repair.close();
  }
}

/** werift's round-trip estimate of a sender, in ms, from receiver reports (RFC 3550 §6.4.1). */
export function senderRoundTripMs(sender: RTCRtpSender): number | undefined {
  const rtt = (sender as unknown as { rtt?: number }).rtt;
  return rtt === undefined ? undefined : rtt * 1000;
}

/**
 * Sends `packet` through `sender` now: werift's `dispatchRtp`, which clones it, rewrites the
 * clone's SSRC, sequence number and timestamp, encrypts it and hands it to the socket, all
 * synchronously (scripts/patches/werift.mjs). Its public `sendRtp` does the same behind a promise
 * per packet, which is only needed for the pending queue the SFU never enables. Throws what the
 * send throws; a packet it cannot send (not connected yet, or stopped) goes nowhere.
 */
export function sendRtpNow(sender: RTCRtpSender, packet: RtpPacket): void {
  (sender as unknown as { dispatchRtp(packet: RtpPacket): void }).dispatchRtp(packet);
}

/**
 * The sequence number of the last packet `sender` sent, as it went out (werift sets it in
 * `dispatchRtp`, so it is read right after `sendRtpNow`).
 */
export function senderSequenceNumber(sender: RTCRtpSender): number | undefined {
  return (sender as unknown as { sequenceNumber?: number }).sequenceNumber;
}

/**
 * The parts of werift 0.25.2's RTCRtpSender and RTCDtlsTransport the receiving leg's own
 * estimate uses (webrtc/src/media/rtpSender.js, transport/dtls.js): the negotiated header
 * extensions, the connection's transport-wide sequence counter that `dispatchRtp` stamps from,
 * the synchronous send (scripts/patches/werift.mjs), and werift's own send-side estimator.
 */
interface SenderSeams {
  headerExtensions: readonly { id: number; uri: string }[];
  /** Set when the receiver's answer took RTX for the m-line's codec (`prepareSend`). */
  rtxPayloadType?: number;
  rtxSsrc: number;
  rtxSequenceNumber: number;
  senderBWE: { rtpPacketSent(info: unknown): void; receiveTWCC(feedback: unknown): void };
  dtlsTransport?: {
    transportSequenceNumber: number;
    sendRtpNow(payload: Buffer, header: RtpPacket["header"]): number;
  };
}

/**
 * The transport-wide sequence number of the last packet `sender`'s connection sent, when the
 * receiver negotiated the extension (werift stamps it in `dispatchRtp`; read right after
 * `sendRtpNow`); undefined without it.
 */
export function transportSequence(sender: RTCRtpSender): number | undefined {
  const seams = sender as unknown as SenderSeams;
  if (!seams.headerExtensions.some((e) => e.uri === RTP_EXTENSION_URI.transportWideCC))
    return undefined;
  return seams.dtlsTransport?.transportSequenceNumber;
}

/** The RTX sequence number the next resend of `sender` goes out with (resendRtpNow). */
export function nextRtxSequence(sender: RTCRtpSender): number {
  return (sender as unknown as SenderSeams).rtxSequenceNumber;
}

/**
 * Sends again a packet `sender` sent before, now, with a transport-wide sequence number of its
 * own (as libwebrtc gives retransmissions): under the first one's number, its arrival would read
 * as that packet's, late by the round trip the request took. Returns the new number, if any.
 * Where the receiver took RTX (RFC 4588), it goes on the m-line's RTX stream, its own sequence
 * numbers and the original's first in the payload, so the receiver tells it from a late original
 * (werift's own resends do that too, but the SFU's resend limit replaces them).
 */
export function resendRtpNow(sender: RTCRtpSender, packet: RtpPacket): number | undefined {
  const seams = sender as unknown as SenderSeams;
  const dtls = seams.dtlsTransport;
  if (!dtls) return undefined;
  const id = seams.headerExtensions.find((e) => e.uri === RTP_EXTENSION_URI.transportWideCC)?.id;
  const extension = packet.header.extensions.find((e) => e.id === id);
  let sequence: number | undefined;
  if (extension) {
    sequence = (dtls.transportSequenceNumber + 1) & 0xffff;
    dtls.transportSequenceNumber = sequence;
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(sequence);
    extension.payload = payload;
  }
  let resend = packet;
  if (seams.rtxPayloadType !== undefined) {
    resend = wrapRtx(packet, seams.rtxPayloadType, seams.rtxSequenceNumber, seams.rtxSsrc);
    seams.rtxSequenceNumber = (seams.rtxSequenceNumber + 1) & 0xffff;
  }
  try {
    dtls.sendRtpNow(resend.payload, resend.header);
  } catch {}
  return sequence;
}

/**
 * Turns off werift's own send-side estimator (`senderBWE`) on a receiving leg's sender: the SFU
 * estimates the receiver's downlink itself (downlink-fit.ts), and werift's, which nothing reads,
 * would keep a record of every packet and walk every feedback again.
 */
export function withoutWeriftEstimator(sender: RTCRtpSender): void {
  (sender as unknown as SenderSeams).senderBWE = { rtpPacketSent() {}, receiveTWCC() {} };
}
