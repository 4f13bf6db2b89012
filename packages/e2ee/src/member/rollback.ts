// Recovery from a commit we cannot apply (docs/e2ee.md "Recovery from a commit members cannot
// apply"): we keep our state and report mls-commit-failed with a failure report signed by our
// leaf (rollback-evidence.ts). The Delivery Service relays the reports it counted in mls-rollback
// once a majority of the members who could report failed; every member checks that evidence
// against its own tree before it undoes anything, so the server alone can never withdraw a commit.
// A member whose failure nobody shared rejoins after `rollbackWaitMs`. A member that applied the
// withdrawn commit returns to the session it kept (the secrets of a commit are erased one commit
// late for this), with a fresh key ring and no media keys until the next epoch, which commit duty
// makes at once; it never adopts the withdrawn commit again (withdrawn-commits.ts), raises the
// rolled-back alarm, and makes its own requests again (host-requests.ts).
import { toBase64url } from "@conclave/protocol";
import { type Fingerprint, fingerprintFromBytes } from "../admission/fingerprint.ts";
import { refusal } from "../admission/refusal.ts";
import { formatFingerprint } from "../mls/credential.ts";
import { rosterEntry } from "../mls/roster.ts";
import { type MlsSession, sessionRestored } from "../mls/session.ts";
import type { Draft } from "./draft.ts";
import { followInviteGeneration, forgetPreviousHolders, newRing } from "./epochs.ts";
import { reopenRequests } from "./host-requests.ts";
import { rejoin } from "./joining.ts";
import type { Ctx } from "./member-state.ts";
import {
  type RollbackClaim,
  readCommitFraming,
  signFailureReport,
  verifyRollback,
} from "./rollback-evidence.ts";
import { rebuildRoster, rosterDiff } from "./roster-view.ts";
import { withdraw } from "./withdrawn-commits.ts";

/** We could not apply `commit` of our epoch: a signed report, and we wait for the rollback. */
export async function commitFailed(d: Draft, ctx: Ctx, why: string, commit: Uint8Array) {
  const session = d.state.session;
  if (session === undefined) return;
  d.count("commitsFailed");
  d.report("COMMIT_FAILED", `commit of epoch ${session.epoch}: ${why}`);
  d.set({
    awaitingRollback: { epoch: session.epoch, deadline: ctx.now() + ctx.config.rollbackWaitMs },
  });
  const signed = await signFailureReport(session, commit);
  d.send({
    type: "mls-commit-failed",
    epoch: Number(signed.epoch),
    commitRef: toBase64url(signed.commitRef),
    leaf: signed.leaf,
    signature: toBase64url(signed.signature),
  });
}

/** No rollback came in time after our mls-commit-failed: our state is lost, join again. */
export async function rollbackDue(d: Draft, ctx: Ctx): Promise<void> {
  const waiting = d.state.awaitingRollback;
  if (waiting !== undefined && ctx.now() >= waiting.deadline) {
    await rejoin(d, ctx, `no rollback after the failed commit of epoch ${waiting.epoch}`);
  }
}

/** The fingerprint of the committer of `commit` (a PublicMessage of `session`'s epoch), if known. */
export function committerOf(session: MlsSession, commit: Uint8Array): Fingerprint | undefined {
  const framing = readCommitFraming(session, commit);
  const entry =
    typeof framing === "string" ? undefined : rosterEntry(session.roster, framing.committer);
  return entry === undefined ? undefined : fingerprintFromBytes(entry.fingerprint);
}

/**
 * The server withdrew the commit made in `claim.epoch`. Acted on only if its evidence holds in
 * that epoch (rollback-evidence.ts): our state of it, and the commit we applied in it. A forged
 * one is refused, logged and alarmed.
 */
export async function onRollback(d: Draft, ctx: Ctx, claim: RollbackClaim): Promise<void> {
  const { session, previous, status, appliedRef } = d.state;
  if (session === undefined) return;
  const { epoch } = claim;
  const applied = session.epoch === epoch + 1n && previous?.epoch === epoch;
  if (!applied && session.epoch !== epoch) {
    // We hold no state of that epoch: the withdrawn commit added us (we cannot check its
    // evidence; the worst a forgery does is make us join again), or we are past it.
    if (status === "member" && previous === undefined && session.epoch === epoch + 1n) {
      await rejoin(d, ctx, `rollback of the commit that added us (epoch ${epoch})`);
    }
    return;
  }
  const before = applied && previous !== undefined ? previous : session;
  const verdict = await verifyRollback(before, claim, applied ? appliedRef : undefined);
  if (!verdict.ok) {
    d.count("rollbacksRefused");
    d.refusal(refusal("rollback-forged", undefined, verdict.reason));
    d.emit("alarm", { kind: "forged-rollback", epoch });
    return;
  }
  d.set({ withdrawn: withdraw(d.state.withdrawn, verdict.commit.ref) });
  if (status === "removed" && applied) d.set({ status: "member" }); // its removal is withdrawn
  if (d.state.status !== "member") return;
  d.count("rollbacks");
  // Whatever was queued after the withdrawn commit was made on top of it.
  const queue = d.state.queue.filter((q) =>
    q.kind === "handshake" ? q.epoch < epoch : q.epoch <= epoch,
  );
  d.set({ queue });
  if (applied && previous !== undefined) {
    const committer = rosterEntry(previous.roster, verdict.commit.committer);
    await returnTo(d, ctx, previous);
    d.emit("alarm", {
      kind: "rolled-back",
      epoch,
      committer: committer === undefined ? undefined : formatFingerprint(committer.fingerprint),
    });
  }
  d.set({
    awaitingRollback: undefined,
    requests: reopenRequests(d.state.requests),
    duty: { ...d.state.duty, rekeySince: ctx.now() },
  });
}

/** Back to the session we kept before the withdrawn commit. */
async function returnTo(d: Draft, ctx: Ctx, kept: MlsSession) {
  const withdrawn = d.state.session;
  if (withdrawn === undefined) return;
  const mine = d.state.inFlight;
  // `unerased` are the secrets of the session we return to: they stay.
  d.set({
    session: sessionRestored(kept, withdrawn),
    previous: undefined,
    appliedRef: undefined,
    unerased: [],
    inFlight: mine === undefined ? undefined : { ...mine, lost: true },
  });
  const diff = rosterDiff(withdrawn.roster, kept.roster, "rollback");
  forgetPreviousHolders(d, diff);
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
