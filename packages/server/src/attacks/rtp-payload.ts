// Where an RTP packet's payload starts (RFC 3550 §5.1, §5.3.1), and where a VP8 frame's bytes start
// inside it (RFC 7741 §4.2): the media attacks change payloads and leave headers as they are.

/** Offset of the payload in `packet`, or undefined if the header does not fit. */
export function payloadOffset(packet: Buffer): number | undefined {
  if (packet.length < 12) return undefined;
  const first = packet.readUInt8(0);
  const csrcCount = first & 0x0f;
  let offset = 12 + 4 * csrcCount;
  if (first & 0x10) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + 4 * packet.readUInt16BE(offset + 2);
  }
  return offset <= packet.length ? offset : undefined;
}

/** Length of the VP8 payload descriptor at the start of `payload` (RFC 7741 §4.2). */
export function vp8DescriptorLength(payload: Buffer): number {
  const first = payload[0] ?? 0;
  if (!(first & 0x80)) return 1;
  const flags = payload[1] ?? 0;
  let length = 2;
  if (flags & 0x80) length += (payload[length] ?? 0) & 0x80 ? 2 : 1;
  if (flags & 0x40) length += 1;
  if (flags & 0x30) length += 1;
  return length;
}
