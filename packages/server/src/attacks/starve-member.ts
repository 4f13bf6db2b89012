import type { ParticipantId, RoomId } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

/** The victim must have settled into the group first: its Add and its first update. */
const START_AFTER_MS = 6000;

/**
 * The server leaves one member behind: in each room, the third participant it welcomes gets no
 * `mls-commit` from START_AFTER_MS after its welcome on, while everyone else moves on and sends
 * media keyed to the new epochs. The victim sees frames of an epoch beyond its own, pauses its own
 * sending, raises the newer-epoch alarm, and rejoins after 5 s (docs/e2ee.md "Alarms").
 */
export function starveMember(): Attack {
  const welcomed = new Map<RoomId, number>();
  const victims = new Map<RoomId, { readonly id: ParticipantId; readonly startAt: number }>();
  return {
    outbound(to, message, applied) {
      if (message.type === "welcome" && !message.resumed) {
        const count = (welcomed.get(to.room) ?? 0) + 1;
        welcomed.set(to.room, count);
        if (count === 3) victims.set(to.room, { id: to.id, startAt: Date.now() + START_AFTER_MS });
        return [message];
      }
      const victim = victims.get(to.room);
      if (message.type !== "mls-commit" || victim?.id !== to.id || Date.now() < victim.startAt) {
        return [message];
      }
      applied();
      return [];
    },
  };
}
