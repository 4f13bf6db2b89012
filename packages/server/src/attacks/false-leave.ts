import type { ParticipantId, RoomId } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

/**
 * The server ejects a member without its word: in each room, once a third member holds a leaf,
 * it tells every other member that the room's first participant (the founder, its host) *left*,
 * while that participant stays connected and says nothing. A leaf is removed at once only on the
 * member's own signed goodbye (an MLS application message); a server's "left" counts as a dropped
 * connection, held for the reconnection window (docs/e2ee.md "Leaving"), so the host is neither
 * removed nor replaced before then.
 */
export function falseLeave(): Attack {
  const first = new Map<RoomId, ParticipantId>();
  const armed = new Set<RoomId>();
  const told = new Set<string>();
  return {
    outbound(to, message, applied) {
      if (!first.has(to.room)) first.set(to.room, to.id);
      const victim = first.get(to.room);
      const announced =
        message.type === "participant-updated" || message.type === "participant-joined"
          ? [message.participant]
          : message.type === "welcome"
            ? message.participants
            : [];
      if (announced.some((p) => p.leaf !== null && p.leaf >= 2)) armed.add(to.room);
      const key = `${to.room}/${to.id}`;
      if (!armed.has(to.room) || victim === undefined || to.id === victim || told.has(key)) {
        return [message];
      }
      told.add(key);
      applied();
      return [message, { type: "participant-left", id: victim, reason: "left" }];
    },
  };
}
