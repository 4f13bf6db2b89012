import type { RoomId } from "@conclave/protocol";
import type { Attack, AttackedSession } from "./attack.ts";

/**
 * The server tells a member it was removed when no commit removed it: in each room, once the
 * second participant welcomed there has been sent its Welcome and an application message after it
 * (it is a member and talking), the server sends it `error REMOVED` and from then on sends that
 * connection nothing, as if it had closed it. Only a commit can remove a member: its client must
 * say it was disconnected by the server, not that it was removed, and may come back (docs/e2ee.md
 * "Leaving"): here the bot reconnects and takes its place back.
 */
export function fakeRemoved(): Attack {
  const welcomed = new Map<RoomId, string[]>();
  const added = new Set<string>();
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
      if (message.type === "mls-welcome") added.add(to.id);
      if (message.type !== "mls-message" || !added.has(to.id)) return [message];
      done.add(to.room);
      cut.add(to);
      applied();
      return [
        message,
        { type: "error", code: "REMOVED", message: "you were removed from the meeting" },
      ];
    },
  };
}
