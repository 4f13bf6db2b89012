import { createHash } from "node:crypto";
import type { Attack } from "./attack.ts";
import { payloadOffset } from "./rtp-payload.ts";

/**
 * Not an attack: what an attacker recording the media would look for. It reads the SFrame header
 * (RFC 9605 §4.3) of every audio packet it forwards (after the Opus TOC byte, which stays in
 * clear) and counts as `applied` each time a sender's (KID, CTR) comes again with other bytes: a
 * repeated AES-GCM nonce under one key (C1 ⊕ C2 = P1 ⊕ P2, and the GHASH key is recoverable). A
 * retransmission (the same bytes) is not one. Run beside forge-rollback, its count must stay 0.
 */
export function repeatedNonce(): Attack {
  const seen = new Map<string, string>();
  /** Commits relayed so far, by room: a new one starts an epoch with new keys. */
  const commits = new Map<string, Set<string>>();
  return {
    // A KID carries only 4 bits of the epoch: the same (KID, CTR) under a new epoch's keys is no
    // repeat. A commit relayed for the first time starts such an epoch; one relayed again (a
    // replay) brings back keys already used, so what was seen under them is kept.
    outbound(to, message) {
      if (message.type !== "mls-commit") return [message];
      const room = commits.get(to.room) ?? new Set<string>();
      commits.set(to.room, room);
      if (!room.has(message.commit)) {
        room.add(message.commit);
        for (const key of [...seen.keys()]) if (key.startsWith(`${to.room}/`)) seen.delete(key);
      }
      return [message];
    },
    packet(room, publisher, kind, packet, applied) {
      if (kind !== "audio") return packet;
      const offset = payloadOffset(packet);
      if (offset === undefined || (packet.readUInt8(0) & 0x20) !== 0) return packet;
      const frame = packet.subarray(offset + 1);
      const header = sframeHeader(frame);
      if (header === undefined) return packet;
      const key = `${room}/${publisher}/${header.kid}/${header.ctr}`;
      const digest = createHash("sha256").update(frame).digest("hex");
      const before = seen.get(key);
      if (before !== undefined && before !== digest) applied();
      seen.set(key, digest);
      return packet;
    },
  };
}

/** KID and CTR of an SFrame header (RFC 9605 §4.3: |X|K|Y|C| and the long forms). */
function sframeHeader(frame: Buffer): { kid: bigint; ctr: bigint } | undefined {
  const config = frame[0];
  if (config === undefined) return undefined;
  let at = 1;
  const field = (extended: boolean, bits: number): bigint | undefined => {
    if (!extended) return BigInt(bits);
    const length = bits + 1;
    if (frame.length < at + length) return undefined;
    let value = 0n;
    for (let i = 0; i < length; i++) value = (value << 8n) | BigInt(frame[at + i] ?? 0);
    at += length;
    return value;
  };
  const kid = field((config & 0x80) !== 0, (config >> 4) & 0x07);
  const ctr = field((config & 0x08) !== 0, config & 0x07);
  return kid === undefined || ctr === undefined ? undefined : { kid, ctr };
}
