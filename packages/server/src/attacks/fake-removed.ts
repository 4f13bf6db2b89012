import type { RoomId } from "@conclave/protocol";
import type { Attack, AttackedSession } from "./attack.ts";

/**
 * The server tells a member it was removed when no commit removed it: in each room, with the first
 * message it sends the second participant welcomed there 3 s after its Welcome (it is a member and
 * settled in), the server sends it `error REMOVED` and closes its connection, as
 * it does after a real removal. Only a commit can remove a member: its client must say it was
 * disconnected by the server, not that it was removed, and may come back (docs/e2ee.md
 * "Leaving"): here the bot reconnects and takes its place back.
 */
const SETTLE_MS = 3000;

export function fakeRemoved(): Attack {
  const welcomed = new Map<RoomId, string[]>();
  /** When each victim got its Welcome: the cut comes 3 s later, once it has settled in. */
  const added = new Map<string, number>();
  const cut = new WeakSet<AttackedSession>();
  const done = new Set<RoomId>();
  return {
    outbound(to, message, applied) {
      if (cut.has(to)) return [];
      if (message.type === "welcome" && !message.resumed) {
        welcomed.set(to.room, [...(welcomed.get(to.room) ?? []), to.id]);
      }
      const victim = welcomed.get(to.room)?.[1];
      if (to.id !== victim || done.has(to.room)) return [message];
      if (message.type === "mls-welcome") added.set(to.id, Date.now());
      const since = added.get(to.id);
      if (since === undefined || Date.now() - since < SETTLE_MS) return [message];
      done.add(to.room);
      cut.add(to);
      applied();
      // Closed once the error is written, as the real server closes a removed member.
      setImmediate(() => to.close());
      return [
        message,
        { type: "error", code: "REMOVED", message: "you were removed from the meeting" },
      ];
    },
  };
}
