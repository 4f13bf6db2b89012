// How many leading bytes of an encoded frame stay in clear. The browser's packetiser (sending) and
// depacketiser (receiving) read them: with a whole VP8 frame encrypted, Chromium took the frame
// type from ciphertext, misread many frames as key frames and dropped some (FIELD-NOTES, "End-to-
// end encryption in the browser"). These bytes are not secret (RTP payload headers carry the same
// information) and are bound to the frame as SFrame metadata, so altering them fails authentication.
import { E2eeUsageError } from "../errors.ts";

/** The codecs whose frames this package knows how to split. */
export type FrameCodec = "vp8" | "opus";

/** VP8 key frame: 3-byte frame tag + 7 bytes of start code and dimensions (RFC 6386 §9.1). */
export const VP8_KEY_FRAME_CLEAR_BYTES = 10;
/** VP8 interframe: the 3-byte frame tag (RFC 6386 §9.1). */
export const VP8_INTERFRAME_CLEAR_BYTES = 3;
/** Opus: the TOC byte (RFC 6716 §3.1). */
export const OPUS_CLEAR_BYTES = 1;

/** RFC 6386 §9.1: bit 0 of the first byte is the *inverse* key-frame flag (0 = key frame). */
export function isVp8KeyFrame(frame: Uint8Array): boolean {
  const first = frame[0];
  return first !== undefined && (first & 0x01) === 0;
}

/**
 * The number of leading bytes of `frame` that stay in clear. For VP8 it depends on the frame
 * type; an empty VP8 frame gets the interframe length, the shortest a VP8 frame can have. The
 * frame may be shorter than the result: callers refuse such a frame (see frame-cryptor.ts).
 */
export function clearPrefixLength(codec: FrameCodec, frame: Uint8Array): number {
  switch (codec) {
    case "vp8":
      return isVp8KeyFrame(frame) ? VP8_KEY_FRAME_CLEAR_BYTES : VP8_INTERFRAME_CLEAR_BYTES;
    case "opus":
      return OPUS_CLEAR_BYTES;
    default:
      throw new E2eeUsageError(`unknown codec ${String(codec)}`);
  }
}
