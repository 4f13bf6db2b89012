/**
 * Whether an RTP payload of VP8 (RFC 7741) starts a keyframe: the first packet of a frame
 * (§4.2: S = 1, partition index 0) whose payload header says key frame (§4.3: P = 0). The VP8
 * payload header stays in clear under SFrame (docs/e2ee.md), so the SFU can read it; a simulcast
 * receiver switches layers only there, where the new layer decodes without the old one's frames.
 */
export function isKeyframeStart(payload: Uint8Array): boolean {
  const first = payload[0];
  if (first === undefined) return false;
  const extended = (first & 0x80) !== 0;
  const start = (first & 0x10) !== 0;
  const partition = first & 0x07;
  if (!start || partition !== 0) return false;
  let offset = 1;
  if (extended) {
    const flags = payload[1];
    if (flags === undefined) return false;
    offset = tidOffset(payload, flags);
    if (flags & 0x30) offset += 1; // T or K: TID/Y/KEYIDX
  }
  const header = payload[offset];
  return header !== undefined && (header & 0x01) === 0;
}

/**
 * Where an extended payload descriptor's TID/Y/KEYIDX byte stands (§4.2): after the X byte
 * (`flags`), the PictureID and the TL0PICIDX it says are there.
 */
function tidOffset(payload: Uint8Array, flags: number): number {
  let offset = 2;
  if (flags & 0x80) offset += (payload[offset] ?? 0) & 0x80 ? 2 : 1; // I: PictureID, M: 15 bits
  if (flags & 0x40) offset += 1; // L: TL0PICIDX
  return offset;
}

/** A VP8 frame's temporal layer (RFC 7741 §4.2: TID) and whether it is a layer sync (Y). */
export interface TemporalInfo {
  readonly layer: number;
  /** It depends only on frames of layer 0: the layer can start here. */
  readonly sync: boolean;
}

/**
 * The temporal layer an RTP payload of VP8 belongs to, from its payload descriptor's TID and Y
 * (§4.2), or null when it carries none (one temporal layer). Every packet of a frame carries the
 * same, so frames of higher layers can be left out whole: no frame of a lower layer refers to
 * them (a receiver of layers 0 and 1 of three decodes half the frame rate).
 */
export function temporalInfo(payload: Uint8Array): TemporalInfo | null {
  const first = payload[0];
  const flags = payload[1];
  if (first === undefined || (first & 0x80) === 0 || flags === undefined) return null;
  if ((flags & 0x20) === 0) return null; // T: no TID
  const byte = payload[tidOffset(payload, flags)];
  if (byte === undefined) return null;
  return { layer: byte >> 6, sync: (byte & 0x20) !== 0 };
}
