import { randomBytes } from "node:crypto";
import type { Attack } from "./attack.ts";
import { payloadOffset, vp8DescriptorLength } from "./rtp-payload.ts";

/** An Opus TOC byte (RFC 6716 §3.1: CELT fullband 20 ms, one frame): a plain Opus packet. */
const OPUS_TOC = 0xfc;

/**
 * The server replaces every frame it forwards with one of its own making: for audio a plain Opus
 * packet (a TOC byte and random bytes), for video random bytes behind the unchanged VP8 payload
 * descriptor, so frames reassemble as before. Nothing of it is an SFrame frame under a key the
 * group made: receivers must drop every such frame and count it, and decode none.
 */
export const injectFrames: Attack = {
  packet(_room, _publisher, kind, packet, applied) {
    const offset = payloadOffset(packet);
    if (offset === undefined || offset === packet.length) return packet;
    const payload = packet.subarray(offset);
    const keep = kind === "audio" ? 0 : vp8DescriptorLength(payload);
    if (keep >= payload.length) return packet;
    const forged = Buffer.concat([
      packet.subarray(0, offset + keep),
      randomBytes(payload.length - keep),
    ]);
    if (kind === "audio") forged[offset] = OPUS_TOC;
    applied();
    return forged;
  },
};
