import type { Attack } from "./attack.ts";
import { payloadOffset } from "./rtp-payload.ts";

/** Let the first publisher's media run this long first, so receivers have decrypted some of it. */
const START_AFTER_MS = 2000;

/**
 * The server makes one member's media fail authentication, as a split group would: in each room,
 * the first publisher's packets (audio and video) get the last byte of their payload flipped once
 * its media has run for a while, which lands in the SFrame ciphertext or tag. Receivers drop every
 * such frame (`auth`) and, after 50 failures and no success over 5 s, raise the group-split alarm
 * naming that member (docs/e2ee.md "Alarms").
 */
export function corruptFrames(): Attack {
  const first = new Map<string, { readonly publisher: string; readonly startAt: number }>();
  return {
    packet(room, publisher, _kind, packet, applied) {
      let target = first.get(room);
      if (target === undefined) {
        target = { publisher, startAt: Date.now() + START_AFTER_MS };
        first.set(room, target);
      }
      if (publisher !== target.publisher || Date.now() < target.startAt) return packet;
      const offset = payloadOffset(packet);
      // RTP padding (bit 5 of the first byte) would put the last byte outside the payload.
      if (offset === undefined || offset >= packet.length || (packet.readUInt8(0) & 0x20) !== 0) {
        return packet;
      }
      const copy = Buffer.from(packet);
      copy.writeUInt8((copy.readUInt8(copy.length - 1) ^ 0x01) & 0xff, copy.length - 1);
      applied();
      return copy;
    },
  };
}
