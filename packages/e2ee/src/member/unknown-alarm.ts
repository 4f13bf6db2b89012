// The unknown-participant alarm, raised and cleared after each handling (unknown-participants.ts
// decides; this is the engine's side: what it reads from the state, and the events and wake-up).
import type { Draft } from "./draft.ts";
import type { Ctx } from "./member-state.ts";
import { announced, heldLeaves } from "./participants.ts";
import { checkUnknown } from "./unknown-participants.ts";

/** docs/e2ee.md "Alarms": announced by the server, no leaf in our roster, past the grace. */
export function watchUnknown(d: Draft, ctx: Ctx): void {
  const { status, session, selfId, participants, uploads } = d.state;
  const roster = status === "member" ? session?.roster : undefined;
  const listed = roster ? announced(participants).filter((p) => p.id !== selfId) : [];
  // A phantom may claim no leaf but one a present participant can hold: not ours, and not one
  // whose member dropped and may come back (docs/e2ee.md "Alarms").
  const held = heldLeaves(participants);
  const leaves = new Set(
    roster
      ?.map((e) => e.leafIndex)
      .filter((leaf) => leaf !== session?.ownLeafIndex && !held.has(leaf)),
  );
  const waiting = new Set(uploads.keys());
  const grace = ctx.config.unknownParticipantMs;
  const checked = checkUnknown(d.state.unknown, listed, leaves, waiting, ctx.now(), grace);
  d.set({ unknown: checked.watch });
  for (const participantId of checked.change.cleared) {
    d.emit("alarm", { kind: "unknown-participant", participantId, active: false });
  }
  for (const participantId of checked.change.raised) {
    d.count("unknownParticipants");
    d.emit("alarm", { kind: "unknown-participant", participantId, active: true });
  }
  if (checked.change.nextAt !== undefined) d.wake(checked.change.nextAt);
}
