import type { ParticipantId, RoomId } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

/**
 * The server says an application message came from someone else: every `mls-message` it relays
 * names as its sender (`from`) another participant of the room than the one who sent it, one
 * other than the recipient where there is one. A member's `hello` (its name) then claims to be
 * another's. Members must name each sender by the MLS leaf that signed the message, never by
 * `from` (docs/e2ee.md "Application messages").
 */
export function rename(): Attack {
  const rooms = new Map<RoomId, Set<ParticipantId>>();
  return {
    outbound(to, message, applied) {
      const present = rooms.get(to.room) ?? new Set<ParticipantId>();
      rooms.set(to.room, present.add(to.id));
      if (message.type !== "mls-message") return [message];
      const others = [...present].filter((id) => id !== message.from);
      const claimed = others.find((id) => id !== to.id) ?? others[0];
      if (claimed === undefined) return [message];
      applied();
      return [{ ...message, from: claimed }];
    },
  };
}
