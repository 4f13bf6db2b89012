import type { Attack } from "./attack.ts";

/** Let B's stream run this long first, so receivers have bound its m-line to B (a loaded test
 * machine can take seconds to decrypt a first frame). */
const START_AFTER_MS = 8000;
/** A's packets waiting to go out in place of B's. */
const QUEUE_LIMIT = 64;

interface Relabel {
  readonly a: string;
  readonly b: string;
  readonly startAt: number;
  readonly queue: Buffer[];
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
        relabel = { a, b: publisher, startAt: Date.now() + START_AFTER_MS, queue: [] };
        relabels.set(room, relabel);
      }
      if (Date.now() < relabel.startAt) return packet;
      if (publisher === relabel.a) {
        if (relabel.queue.length === QUEUE_LIMIT) relabel.queue.shift();
        relabel.queue.push(packet);
        return packet;
      }
      if (publisher !== relabel.b) return packet;
      const instead = relabel.queue.shift() ?? null;
      if (instead !== null) applied();
      return instead;
    },
  };
}
