import type { Attack } from "./attack.ts";

/** Let B's stream run this long first, so receivers have bound its m-line to B (a loaded test
 * machine can take seconds to decrypt a first frame). */
const START_AFTER_MS = 8000;
/** A's packets waiting to go out in place of B's. */
const QUEUE_LIMIT = 64;

/** RTP marker bit: set on the last packet of a video frame. */
const endsFrame = (packet: Buffer) => ((packet[1] ?? 0) & 0x80) !== 0;

interface Relabel {
  readonly a: string;
  readonly b: string;
  readonly startAt: number;
  readonly queue: Buffer[];
  /** Added to A's RTP timestamps so they continue B's timeline instead of jumping. */
  tsOffset: number | undefined;
}

/**
 * The server passes one member's camera off as another's: in each room, once two cameras are
 * sending (A first, then B), and B's has run for a while, every packet of A's is also sent, in
 * order, on B's m-line in place of B's own. The frames are authentic (A sealed them), so only the
 * sender binding tells them apart: the KID names A on a stream bound to B, and receivers must drop
 * them as `wrong-sender` (DESIGN T6).
 */
export function relabelFrames(): Attack {
  const firstVideo = new Map<string, string>();
  const relabels = new Map<string, Relabel>();
  return {
    packet(room, publisher, kind, packet, applied) {
      if (kind !== "video") return packet;
      let relabel = relabels.get(room);
      if (relabel === undefined) {
        const a = firstVideo.get(room);
        if (a === undefined) firstVideo.set(room, publisher);
        if (a === undefined || a === publisher) return packet;
        relabel = {
          a,
          b: publisher,
          startAt: Date.now() + START_AFTER_MS,
          queue: [],
          tsOffset: undefined,
        };
        relabels.set(room, relabel);
      }
      if (Date.now() < relabel.startAt) return packet;
      if (publisher === relabel.a) {
        relabel.queue.push(packet);
        // B may send fewer packets than A: drop A's oldest whole frame, never a packet inside one,
        // so what goes out on B's m-line still reassembles into A's authentic frames.
        if (relabel.queue.length > QUEUE_LIMIT) {
          for (let dropped = relabel.queue.shift(); dropped && !endsFrame(dropped); ) {
            dropped = relabel.queue.shift();
          }
        }
        return packet;
      }
      if (publisher !== relabel.b) return packet;
      const next = relabel.queue.shift();
      if (next === undefined) return null;
      // A's packet with B's sequence number and a timestamp on B's timeline, as a server passing
      // one camera off as another would send it: receivers must tell them apart by the KID alone.
      const instead = Buffer.from(next);
      relabel.tsOffset ??= (packet.readUInt32BE(4) - next.readUInt32BE(4)) >>> 0;
      instead.writeUInt16BE(packet.readUInt16BE(2), 2);
      instead.writeUInt32BE((next.readUInt32BE(4) + relabel.tsOffset) >>> 0, 4);
      applied();
      return instead;
    },
  };
}
