// Recovery from a commit we cannot apply (docs/e2ee.md "Recovery from a commit members cannot
// apply"): we keep our state and report mls-commit-failed; the Delivery Service rolls the commit
// back if a majority of the other members failed it too (mls-rollback), and a member whose
// failure nobody shared rejoins after `rollbackWaitMs`. A member that applied the withdrawn commit
// returns to the session it kept (the secrets of a commit are erased one commit late for this),
// with a fresh key ring and no media keys until the next epoch, which commit duty makes at once.
import type { Draft } from "./draft.ts";
import { followInviteGeneration, newRing } from "./epochs.ts";
import { rejoin } from "./joining.ts";
import type { Ctx } from "./member-state.ts";
import { forgetNames, rebuildRoster, rosterDiff } from "./roster-view.ts";

export function commitFailed(d: Draft, ctx: Ctx, why: string): void {
  const session = d.state.session;
  if (session === undefined) return;
  d.count("commitsFailed");
  d.report("COMMIT_FAILED", `commit of epoch ${session.epoch}: ${why}`);
  d.set({
    awaitingRollback: { epoch: session.epoch, deadline: ctx.now() + ctx.config.rollbackWaitMs },
  });
  d.send({ type: "mls-commit-failed", epoch: Number(session.epoch) });
}

/** No rollback came in time after our mls-commit-failed: our state is lost, join again. */
export async function rollbackDue(d: Draft, ctx: Ctx): Promise<void> {
  const waiting = d.state.awaitingRollback;
  if (waiting !== undefined && ctx.now() >= waiting.deadline) {
    await rejoin(d, ctx, `no rollback after the failed commit of epoch ${waiting.epoch}`);
  }
}

/** The server withdrew the commit made in `epoch`: the group is back in `epoch`. */
export async function onRollback(d: Draft, ctx: Ctx, epoch: bigint): Promise<void> {
  const { session, previous, status } = d.state;
  if (session === undefined) return;
  if (status === "removed" && previous?.epoch === epoch && session.epoch === epoch + 1n) {
    d.set({ status: "member" }); // the commit that removed us is withdrawn
  }
  if (d.state.status !== "member") return;
  d.count("rollbacks");
  // Whatever was queued after the withdrawn commit was made on top of it.
  const queue = d.state.queue.filter((q) =>
    q.kind === "handshake" ? q.epoch < epoch : q.epoch <= epoch,
  );
  d.set({ queue });
  if (session.epoch === epoch) {
    d.set({ awaitingRollback: undefined });
  } else if (session.epoch === epoch + 1n && previous?.epoch === epoch) {
    await returnTo(d, ctx, previous);
  } else {
    await rejoin(d, ctx, `rollback to epoch ${epoch} from epoch ${session.epoch}`);
    return;
  }
  d.set({ duty: { ...d.state.duty, rekeySince: ctx.now() } });
}

/** Back to the session we kept before the withdrawn commit. */
async function returnTo(d: Draft, ctx: Ctx, kept: NonNullable<Draft["state"]["previous"]>) {
  const withdrawn = d.state.session;
  if (withdrawn === undefined) return;
  const mine = d.state.inFlight;
  // `unerased` are the secrets of the session we return to: they stay.
  d.set({
    session: kept,
    previous: undefined,
    unerased: [],
    inFlight: mine === undefined ? undefined : { ...mine, lost: true },
  });
  const diff = rosterDiff(withdrawn.roster, kept.roster);
  forgetNames(d, diff);
  newRing(d);
  await followInviteGeneration(d, true);
  rebuildRoster(d, ctx);
  const rosterChanged = diff.added.length > 0 || diff.removed.length > 0;
  d.emit("epoch", {
    epoch: kept.epoch,
    reason: "rollback",
    committer: undefined,
    added: diff.added,
    removed: diff.removed,
    rosterChanged,
    mediaKeysInstalled: false,
  });
  if (rosterChanged) d.emit("roster", d.state.roster);
}
