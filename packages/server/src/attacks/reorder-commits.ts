import type { ParticipantId, RoomId, ServerMessage } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

type CommitRelay = Extract<ServerMessage, { type: "mls-commit" }>;

/** A held commit no later one overtook is delivered after all, so the victim is not starved. */
const RELEASE_AFTER_MS = 10_000;

/**
 * The server delivers two commits out of order: in each room, the first participant it welcomes
 * gets the first commit of another member held back, and the next commit first, then the held
 * one. The later commit is for an epoch the victim has not reached; it must keep it until the
 * earlier one comes and apply both in order (or rejoin), never land in a group apart from the
 * others (docs/e2ee.md "The hostile-server harness").
 */
export function reorderCommits(): Attack {
  const victims = new Map<RoomId, ParticipantId>();
  const held = new Map<RoomId, { readonly commit: CommitRelay; readonly timer: NodeJS.Timeout }>();
  const done = new Set<RoomId>();
  return {
    outbound(to, message, applied) {
      if (message.type === "welcome" && !message.resumed && !victims.has(to.room)) {
        victims.set(to.room, to.id);
        return [message];
      }
      if (message.type !== "mls-commit" || victims.get(to.room) !== to.id || done.has(to.room)) {
        return [message];
      }
      const waiting = held.get(to.room);
      if (waiting === undefined) {
        if (message.from === to.id) return [message]; // its own echo: the next one is not its own
        const timer = setTimeout(() => {
          held.delete(to.room);
          done.add(to.room);
          to.send(message);
        }, RELEASE_AFTER_MS);
        held.set(to.room, { commit: message, timer });
        return [];
      }
      clearTimeout(waiting.timer);
      held.delete(to.room);
      done.add(to.room);
      applied();
      return [message, waiting.commit];
    },
  };
}
