// Our commits in flight (docs/e2ee.md "Ordering commits"): sent to the Delivery Service, adopted
// only on its echo; another commit of the same epoch means ours lost and will be refused, and we
// decide again on the new epoch. The server answers every commit at once, so a commit of ours with
// neither echo nor refusal within 2 s raises the withheld-commit alarm (docs/e2ee.md "Alarms"),
// and is given up after the failover delay. Silence after the connection it went out on was lost
// is not the server's, once: the node that ran the meeting may have died with it (a failover).
import { toBase64url } from "@conclave/protocol";
import { refusal } from "../admission/refusal.ts";
import { processIncoming } from "../mls/incoming.ts";
import { ownCommitAccepted } from "../mls/session.ts";
import { constantTimeEqual } from "../sframe/bytes.ts";
import type { BuiltCommit } from "./commit-builder.ts";
import type { Draft } from "./draft.ts";
import { adopt } from "./epochs.ts";
import type { Ctx, MemberState } from "./member-state.ts";
import { commitFailed, committerOf } from "./rollback.ts";
import { commitReference } from "./rollback-evidence.ts";
import { liveSession, reasonOf } from "./session-policy.ts";
import { isWithdrawn } from "./withdrawn-commits.ts";

export function sendCommit(d: Draft, ctx: Ctx, built: Exclude<BuiltCommit, { kind: "none" }>) {
  const session = d.state.session;
  if (session === undefined) return;
  d.set({
    inFlight: {
      epoch: session.epoch,
      built,
      lost: false,
      giveUpAt: undefined,
      alarmAt: ctx.now() + ctx.config.withheldCommitMs,
    },
  });
  d.count("commitsSent");
  d.send({
    type: "mls-commit",
    epoch: Number(session.epoch),
    commit: toBase64url(built.transition.commit),
    welcome: built.kind === "add" ? toBase64url(built.transition.welcome) : null,
  });
}

/** Applies the commit of our epoch: the echo of ours, or another's (then ours lost). */
export async function applyCommit(d: Draft, ctx: Ctx, bytes: Uint8Array): Promise<void> {
  const session = liveSession(d.state, ctx);
  if (session === undefined) return;
  const mine = d.state.inFlight;
  if (mine !== undefined && mine.epoch === session.epoch) {
    if (constantTimeEqual(mine.built.transition.commit, bytes)) {
      // The echo of our own commit: the Delivery Service accepted it (docs/e2ee.md).
      d.set({ inFlight: undefined, commitsCut: 0 });
      const accepted = ownCommitAccepted(mine.built.transition, session);
      await adopt(d, ctx, accepted, "own-commit", session.ownLeafIndex, bytes);
      return;
    }
    d.set({ inFlight: { ...mine, lost: true } });
  }
  if (isWithdrawn(d.state.withdrawn, await commitReference(bytes))) {
    // Withdrawn by a verified rollback: taking it again would reinstall an epoch's keys.
    d.count("withdrawnRefused");
    d.refusal(refusal("withdrawn-commit", committerOf(session, bytes), "a withdrawn commit again"));
    return;
  }
  let result: Awaited<ReturnType<typeof processIncoming>>;
  try {
    result = await processIncoming(session, bytes);
  } catch (error) {
    d.securityOf(error);
    await commitFailed(d, ctx, reasonOf(error), bytes);
    return;
  }
  if (result.event.kind !== "commit") {
    await commitFailed(d, ctx, "a handshake message that is not a commit", bytes);
    return;
  }
  await adopt(d, ctx, result, "commit", result.event.committer, bytes);
}

/** The server refused a commit of ours (`epoch` is its current one). */
export function onRefused(d: Draft, ctx: Ctx, epoch: bigint): void {
  d.count("commitsRefused");
  const mine = d.state.inFlight;
  const session = d.state.session;
  if (mine === undefined || session === undefined) return;
  // The transition is dropped unadopted; its `consumed` are the current session's: keep them.
  d.set({ inFlight: undefined, commitsCut: 0 });
  // Refused without having lost a race (a bad commit?): do not retry at once.
  if (!mine.lost && epoch <= session.epoch) {
    d.set({ duty: { ...d.state.duty, retryAfter: ctx.now() + ctx.config.failoverMs } });
  }
}

/** No echo by one failover delay from now: the commit in flight is given up (if one is). */
export function giveUpSoon(d: Draft, ctx: Ctx): void {
  const mine = d.state.inFlight;
  if (mine !== undefined) {
    d.set({ inFlight: { ...mine, giveUpAt: ctx.now() + ctx.config.failoverMs } });
  }
}

/** The timer's part for a commit in flight: the withheld alarm, then giving it up. */
export function flightDue(d: Draft, ctx: Ctx): void {
  const t = ctx.now();
  const mine = d.state.inFlight;
  if (mine?.alarmAt !== undefined && t >= mine.alarmAt) {
    // The server sequences every commit at once: silence means it withholds ours (a Remove,
    // say). It can; it cannot hide that it does (docs/e2ee.md "Alarms").
    const giveUpAt = mine.giveUpAt ?? t + ctx.config.failoverMs;
    d.set({ inFlight: { ...mine, alarmAt: undefined, giveUpAt } });
    d.count("commitsWithheld");
    d.emit("alarm", { kind: "withheld-commit", epoch: mine.epoch });
  }
  const giveUpAt = d.state.inFlight?.giveUpAt;
  if (giveUpAt !== undefined && t >= giveUpAt) {
    d.set({
      inFlight: undefined,
      duty: { ...d.state.duty, retryAfter: t + ctx.config.failoverMs },
    });
  }
}

/**
 * The connection to the server is gone. A commit of ours still out may have died with the node
 * that ran the meeting, before it was sequenced (docs/operations.md "Several machines with
 * Redis"): the server did not withhold it, so its alarm waits; the backlog of the resumed place
 * brings its echo or refusal, or it is given up (`giveUpSoon`) and made again on the new
 * connection, under an alarm of its own. Once in a row only: a server that drops the connection
 * again while a commit of ours is out withholds it that way, and the alarm is raised at once.
 */
export function connectionLost(d: Draft, ctx: Ctx): void {
  flightDue(d, ctx);
  const mine = d.state.inFlight;
  // No commit out, or its alarm raised already (and a give-up due).
  if (mine?.alarmAt === undefined) return;
  if (d.state.commitsCut > 0) {
    d.set({ inFlight: { ...mine, alarmAt: ctx.now() } });
    flightDue(d, ctx);
    return;
  }
  d.set({ inFlight: { ...mine, alarmAt: undefined }, commitsCut: 1 });
}

/** When the flight needs looking at again. */
export function flightDeadlines(state: MemberState): number[] {
  const mine = state.inFlight;
  return [mine?.giveUpAt, mine?.alarmAt].filter((at): at is number => at !== undefined);
}
