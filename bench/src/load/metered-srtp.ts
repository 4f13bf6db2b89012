import { type RTCDtlsTransport, RTCRtpReceiver, RtpPacket } from "werift";
import { replaceSrtpStart } from "./srtp-start.ts";

/** What one receiving transport got: per SSRC, packets and bytes as they came off the wire. */
export interface Meter {
  /** Whose transport it is: the participant that was joining in this process when it started. */
  readonly owner: string;
  /** Decrypt and hand packets on (a member still joining), or only count them. */
  decrypting: boolean;
  readonly streams: Map<number, MeteredStream>;
}

export interface MeteredStream {
  packets: number;
  bytes: number;
  payloadType: number;
  /** Sequence numbers from the first packet to the highest, unwrapped: what should have come. */
  firstSequence: number;
  highestSequence: number;
}

/** Every transport this process started SRTP on, oldest first. */
export const meters: Meter[] = [];
type HandleRtp = (
  this: RTCRtpReceiver,
  packet: RtpPacket,
  extensions: unknown,
  track: unknown,
) => void;

const meterOf = new WeakMap<RTCDtlsTransport, Meter>();
/** The participant that owns transports started now (load processes join one at a time). */
const joining: { owner: string; decrypting: boolean } = { owner: "", decrypting: false };

/** Transports started from now on are `owner`'s, decrypting or only counted. */
export function meterFor(owner: string, decrypting: boolean): void {
  joining.owner = owner;
  joining.decrypting = decrypting;
}

/**
 * Makes every werift connection of this process meter its incoming SRTP per SSRC (the header is in
 * clear, RFC 3711 §3.1) and decrypt it only while its meter says so. A participant decrypts while it
 * joins, until its first frame; afterwards its downlink is counted, not decrypted, so that a
 * hundred receivers fit on the machine beside the server (as count-only-srtp.ts does for bench:sfu).
 * RTCP is always decrypted and dispatched. A packet only counted still goes, in its clear header, to
 * its receiver's statistics but to no track: the receiver reports (RFC 3550 §6.4.2) that the SFU's
 * downlink estimate reads keep saying what arrived, as a real receiver's would.
 */
function count(meter: Meter, data: Buffer): void {
  const ssrc = data.readUInt32BE(8);
  const sequence = data.readUInt16BE(2);
  let stream = meter.streams.get(ssrc);
  if (!stream) {
    stream = {
      packets: 0,
      bytes: 0,
      payloadType: 0,
      firstSequence: sequence,
      highestSequence: sequence,
    };
    meter.streams.set(ssrc, stream);
  }
  stream.packets++;
  stream.bytes += data.length;
  stream.payloadType = (data[1] ?? 0) & 0x7f;
  // Unwrapped against the highest so far (RFC 3550 A.1): a step back of less than half the space
  // is a late packet.
  const delta = (sequence - stream.highestSequence + 0x10000) % 0x10000;
  if (delta > 0 && delta < 0x8000) stream.highestSequence += delta;
}

export function meterSrtp(): void {
  // werift keeps handleRTP private; its third argument is the track a packet goes to.
  const receiver = RTCRtpReceiver.prototype as unknown as { handleRTP: HandleRtp };
  const handleRtp = receiver.handleRTP;
  receiver.handleRTP = function (packet, extensions, track) {
    const meter = this.dtlsTransport && meterOf.get(this.dtlsTransport);
    handleRtp.call(this, packet, extensions, meter && !meter.decrypting ? undefined : track);
  };
  replaceSrtpStart((transport) => {
    const meter: Meter = { ...joining, streams: new Map() };
    meters.push(meter);
    meterOf.set(transport, meter);
    return (data) => {
      count(meter, data);
      try {
        transport.onRtp.execute(
          RtpPacket.deSerialize(meter.decrypting ? transport.srtp.decrypt(data) : data),
        );
      } catch {
        // Dropped, as werift drops a packet that fails to authenticate or parse.
      }
    };
  });
}
