/**
 * VP8 RTP packetization (RFC 7741 §4). Every packet carries a 4-byte payload descriptor:
 *
 *    X R N S R PID    first byte: X=1 (extensions follow), S=1 on a frame's first packet,
 *    I L T K RSV      second byte: I=1 (PictureID present)
 *    M PictureID      15-bit PictureID (M=1), incremented per frame
 *
 * A PictureID lets receivers tell frames apart after loss without relying on timestamps; browsers
 * send one, so receivers are used to it. Partition index stays 0: we do not split partitions.
 */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1100;
const DESCRIPTOR_BYTES = 4;

export interface Vp8RtpPayload {
  readonly payload: Uint8Array;
  /** RTP marker bit: set on the last packet of a frame (RFC 7741 §4.1). */
  readonly marker: boolean;
}

/** Splits one VP8 frame into RTP payloads of at most `maxPayloadBytes` bytes each. */
export function packetizeVp8(
  frame: Uint8Array,
  pictureId: number,
  maxPayloadBytes: number = DEFAULT_MAX_PAYLOAD_BYTES,
): Vp8RtpPayload[] {
  if (maxPayloadBytes <= DESCRIPTOR_BYTES) throw new RangeError("maxPayloadBytes too small");
  if (frame.length === 0) throw new RangeError("empty VP8 frame");
  const chunk = maxPayloadBytes - DESCRIPTOR_BYTES;
  // Equal-sized packets: a tiny last packet would waste a packet's overhead on a few bytes.
  const count = Math.ceil(frame.length / chunk);
  const size = Math.ceil(frame.length / count);
  const pid = pictureId & 0x7fff;
  const out: Vp8RtpPayload[] = [];
  for (let i = 0; i < count; i++) {
    const part = frame.subarray(i * size, Math.min(frame.length, (i + 1) * size));
    const payload = new Uint8Array(DESCRIPTOR_BYTES + part.length);
    payload[0] = 0x80 | (i === 0 ? 0x10 : 0);
    payload[1] = 0x80;
    payload[2] = 0x80 | (pid >> 8);
    payload[3] = pid & 0xff;
    payload.set(part, DESCRIPTOR_BYTES);
    out.push({ payload, marker: i === count - 1 });
  }
  return out;
}
