import { randomBytes } from "node:crypto";
import type { Participant, ParticipantId, RoomId, ServerMessage } from "@conclave/protocol";
import type { Attack, AttackedSession } from "./attack.ts";

/**
 * The server hides a phantom behind a leaf that looks taken. Once a member's own leaf is known (the
 * server announces it to the others), it announces to that member a participant with a fresh id
 * claiming the member's *own* leaf; and when a member drops (held, reconnecting), it announces to
 * each other member a phantom claiming the held member's leaf. Neither leaf is claimed by anyone
 * the viewer sees as present, so a check that asks only "is this leaf in the roster and not
 * claimed by someone announced before" takes the phantom for a member. The unknown-participant
 * alarm must name it after 10 s all the same (docs/e2ee.md "Alarms").
 */
export function phantomSelf(): Attack {
  const sessions = new Map<RoomId, Map<ParticipantId, AttackedSession>>();
  /** Participants as last announced with a leaf, by room and id. */
  const known = new Map<string, Participant>();
  const ownLeafPhantoms = new Set<string>();

  const phantomOf = (like: Participant): ServerMessage => ({
    type: "participant-joined",
    participant: { ...like, id: randomBytes(12).toString("base64url") as ParticipantId },
  });

  return {
    outbound(to, message, applied) {
      const room = sessions.get(to.room) ?? new Map<ParticipantId, AttackedSession>();
      sessions.set(to.room, room);
      room.set(to.id, to);
      const announced =
        message.type === "welcome"
          ? message.participants
          : message.type === "participant-joined" || message.type === "participant-updated"
            ? [message.participant]
            : [];
      for (const participant of announced) {
        if (participant.leaf === null) continue;
        const key = `${to.room}/${participant.id}`;
        known.set(key, participant);
        // Told to the others; the member itself is now shown a phantom on its own leaf, once.
        const self = room.get(participant.id);
        if (self !== undefined && !ownLeafPhantoms.has(key)) {
          ownLeafPhantoms.add(key);
          applied();
          self.send(phantomOf(participant));
        }
      }
      if (message.type === "participant-left" && message.reason === "disconnected") {
        const held = known.get(`${to.room}/${message.id}`);
        if (held === undefined) return [message];
        applied();
        return [message, phantomOf(held)];
      }
      return [message];
    },
  };
}
