// Commit turns (docs/e2ee.md "Who commits"): what is there to commit (due removals, proven
// uploads, a promotion when no host is left, a re-key after a rollback, our own requests, our
// periodic update), whose turn it is (commit-duty.ts decides, by rank in leaf order with
// failover), and making that commit (commit-builder.ts) for commit-flight.ts to send.
import { promote, successorOf } from "../admission/host-succession.ts";
import { refusal } from "../admission/refusal.ts";
import type { MlsSession } from "../mls/session.ts";
import { sortUploads } from "./admission-gate.ts";
import {
  type BuiltCommit,
  buildAdd,
  buildRemove,
  buildRoles,
  buildUpdate,
  type Candidate,
} from "./commit-builder.ts";
import { type DutyPlan, planCommit } from "./commit-duty.ts";
import { sendCommit } from "./commit-flight.ts";
import type { Draft } from "./draft.ts";
import { type HostWork, nextHostWork } from "./host-requests.ts";
import type { Ctx } from "./member-state.ts";
import { connectedLeaves, dueRemovals } from "./participants.ts";
import { liveSession, reasonOf } from "./session-policy.ts";
import { dropUpload } from "./uploads.ts";

/**
 * Leaves still holding the key their KeyPackage brought (added, not yet updated), ascending:
 * every member reads the same list from the tree, so joiners can take turns with their first
 * update instead of all racing for each epoch.
 */
function freshLeaves(session: MlsSession): number[] {
  const fresh: number[] = [];
  session.state.ratchetTree.forEach((node, index) => {
    if (node?.nodeType === "leaf" && node.leaf.leafNodeSource === "key_package") {
      fresh.push(index / 2);
    }
  });
  return fresh;
}

/** What commit duty has to go on, gathered from the state; refused uploads are dropped. */
function gather(d: Draft, ctx: Ctx, session: MlsSession) {
  const t = ctx.now();
  const own = session.ownLeafIndex;
  const { config } = ctx;
  const removals = dueRemovals(
    d.state.participants,
    session.roster,
    own,
    t,
    config.reconnectWindowMs,
  );
  d.set({ participants: removals.participants });
  if (removals.due.nextAt !== undefined) d.wake(removals.due.nextAt);
  const uploads = sortUploads(session.roles, d.state.uploads);
  for (const [from, upload] of uploads.denied) {
    dropUpload(d, from);
    d.count("keyPackagesRejected");
    d.refusal(refusal("deny-listed", upload.fingerprint, "a deny-listed device asked to join"));
  }
  const successor = successorOf(session.roles, session.roster);
  const hostlessSince = successor === undefined ? undefined : (d.state.duty.hostlessSince ?? t);
  d.set({ duty: { ...d.state.duty, hostlessSince } });
  const waiting = new Map([...d.state.uploads].map(([from, upload]) => [from, upload.ref]));
  const host = nextHostWork(d.state.requests, session, waiting);
  d.set({ requests: host.requests });
  for (const why of host.dropped) d.report("LOCAL_FAILURE", `request dropped: ${why}`);
  const candidates = uploads.work.map(([from, p]) => ({ from, ...p }));
  const fresh = freshLeaves(session).indexOf(own);
  const { duty } = d.state;
  const plan = planCommit({
    now: t,
    ownLeaf: own,
    roster: session.roster,
    rank: Math.max(0, connectedLeaves(d.state.participants, session.roster, own).indexOf(own)),
    failoverMs: config.failoverMs,
    retryAfter: duty.retryAfter,
    dueRemovals: removals.due.leaves,
    removalsSince: removals.due.since,
    candidates,
    rekeySince: duty.rekeySince,
    nextSelfUpdate: duty.nextSelfUpdate,
    // A fresh joiner's first update waits for the fresh leaves before it (failover per rank).
    joinerTurnAt: fresh < 0 ? undefined : duty.epochSince + fresh * config.failoverMs,
    promotionSince: hostlessSince,
    ownWork: host.work.kind !== "none",
  });
  return { plan, candidates, successor, hostWork: host.work };
}

/** docs/e2ee.md "Who commits": decides whether we commit now, or when to look again. */
export async function decide(d: Draft, ctx: Ctx): Promise<void> {
  const { status, inFlight, awaitingRollback } = d.state;
  const session = liveSession(d.state, ctx);
  if (status !== "member" || session === undefined || !session.active) return;
  if (inFlight !== undefined || awaitingRollback !== undefined) return;
  const { plan, candidates, successor, hostWork } = gather(d, ctx, session);
  await act(d, ctx, session, plan, {
    add: () => commitAdd(d, ctx, session, candidates),
    promote: async () =>
      // The last host left: the deterministic successor becomes host (host-succession.ts).
      successor === undefined ? undefined : buildRoles(session, promote(session.roles, successor)),
    own: () => commitOwn(d, ctx, session, hostWork),
  });
}

type Build = () => Promise<Exclude<BuiltCommit, { kind: "none" }> | undefined>;

async function act(
  d: Draft,
  ctx: Ctx,
  session: MlsSession,
  plan: DutyPlan,
  builds: { readonly add: Build; readonly promote: Build; readonly own: Build },
): Promise<void> {
  if (plan.act === "wait") {
    d.wake(plan.until);
    return;
  }
  const build: Build =
    plan.act === "remove"
      ? () => buildRemove(session, plan.leaves)
      : plan.act === "update"
        ? () => buildUpdate(session)
        : builds[plan.act];
  // A commit we cannot make is reported and retried after a failover delay, not in a loop.
  try {
    const built = await build();
    if (built !== undefined) sendCommit(d, ctx, built);
  } catch (error) {
    d.report("LOCAL_FAILURE", `could not make a commit: ${reasonOf(error)}`);
    const retryAfter = ctx.now() + ctx.config.failoverMs;
    d.set({ duty: { ...d.state.duty, retryAfter } });
    d.wake(retryAfter);
  }
}

/** A change we asked for ourselves: new roles and settings, a removal, or a lobby admission. */
async function commitOwn(d: Draft, ctx: Ctx, session: MlsSession, work: HostWork) {
  if (work.kind === "roles") return buildRoles(session, work.roles);
  if (work.kind === "remove") return buildRemove(session, work.leaves);
  if (work.kind !== "admit") return undefined;
  // Exactly the uploads the host saw: a changed one was dropped from the request (host-requests).
  const admitted = [...work.uploads].flatMap(([from, ref]) => {
    const upload = d.state.uploads.get(from);
    return upload === undefined || upload.ref !== ref ? [] : [{ from, ...upload }];
  });
  return commitAdd(d, ctx, session, admitted);
}

/** One Add of every acceptable KeyPackage; the rejected ones are dropped and reported. */
async function commitAdd(
  d: Draft,
  ctx: Ctx,
  session: MlsSession,
  candidates: readonly Candidate[],
) {
  const built = await buildAdd(session, candidates, ctx.now(), d.state.gate.keys);
  const rejected = built.kind === "none" || built.kind === "add" ? built.rejected : [];
  for (const { from, reason, error } of rejected) {
    dropUpload(d, from);
    d.count("keyPackagesRejected");
    d.securityOf(error);
    d.report("KEY_PACKAGE_REJECTED", `KeyPackage from ${from}: ${reason}`);
  }
  if (built.kind !== "none") return built;
  return d.state.duty.rekeySince !== undefined ? buildUpdate(session) : undefined;
}
