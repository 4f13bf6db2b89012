import type { RoomId, ServerMessage } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

type CommitRelay = Extract<ServerMessage, { type: "mls-commit" }>;

/** The commits kept per room to play again: the one before the latest, and the one before that. */
const KEPT = 3;

/**
 * The server plays members old commits: every commit it relays is followed by the room's previous
 * commit (one the member has just applied) and the one before it (an older epoch's), as if new.
 * Both are signed and valid for their epochs; members must see that they already moved past them,
 * ignore them, and stay in one group with no rejoin (docs/e2ee.md "The hostile-server harness").
 */
export function replayCommit(): Attack {
  const relayed = new Map<RoomId, CommitRelay[]>();
  return {
    outbound(to, message, applied) {
      if (message.type !== "mls-commit") return [message];
      const seen = relayed.get(to.room) ?? [];
      if (!seen.some((m) => m.epoch === message.epoch && m.commit === message.commit)) {
        relayed.set(to.room, [...seen, message].slice(-KEPT));
      }
      const older = seen.filter((m) => m.epoch < message.epoch).slice(-2);
      if (older.length === 0) return [message];
      applied();
      return [message, ...older.reverse()];
    },
  };
}
