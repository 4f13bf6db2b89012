// Messages for an epoch we have not reached (docs/e2ee.md "Ordering commits"): a commit or an
// application message can arrive before the commit it follows (we were joining, or a commit is
// still on its way). Each waits up to `futureQueueMs`, and is handled as soon as our epoch reaches
// it, strictly in epoch order. A commit that never becomes readable means we missed one: rejoin.
import { openApplication } from "./app-channel.ts";
import { applyCommit } from "./commit-flight.ts";
import type { Draft } from "./draft.ts";
import { rejoin } from "./joining.ts";
import type { Ctx, Queued } from "./member-state.ts";

function hold(d: Draft, ctx: Ctx, item: Omit<Queued, "expires">): void {
  const queued: Queued = { ...item, expires: ctx.now() + ctx.config.futureQueueMs };
  d.set({ queue: [...d.state.queue, queued] });
}

/** A commit the server relayed for `epoch`: applied now, held for later, or already seen. */
export async function receiveCommit(
  d: Draft,
  ctx: Ctx,
  from: string,
  epoch: bigint,
  bytes: Uint8Array,
): Promise<void> {
  const { status, session, awaitingRollback } = d.state;
  if (status === "joining") {
    hold(d, ctx, { kind: "handshake", epoch, from, bytes });
    return;
  }
  if (status !== "member" || session === undefined) return;
  if (epoch < session.epoch) return; // already seen (e.g. before a rollback restored us)
  if (epoch > session.epoch || awaitingRollback !== undefined) {
    hold(d, ctx, { kind: "handshake", epoch, from, bytes });
    return;
  }
  await applyCommit(d, ctx, bytes);
}

/** An application message for `epoch`: opened now, or held until we reach its epoch. */
export async function receiveApplication(
  d: Draft,
  ctx: Ctx,
  from: string,
  epoch: bigint,
  bytes: Uint8Array,
): Promise<void> {
  const { status, session } = d.state;
  if (status === "joining" || (session !== undefined && epoch > session.epoch)) {
    hold(d, ctx, { kind: "application", epoch, from, bytes });
    return;
  }
  await openApplication(d, ctx, bytes);
}

/** Handles, in order, every held message our epoch has reached. */
export async function drainQueue(d: Draft, ctx: Ctx): Promise<void> {
  for (;;) {
    const { status, session, awaitingRollback } = d.state;
    if (status !== "member" || session === undefined || awaitingRollback !== undefined) return;
    const current = session.epoch;
    const queue = d.state.queue.filter((q) => q.kind === "application" || q.epoch >= current);
    const item = queue.find((q) => q.epoch <= current);
    d.set({ queue: queue.filter((q) => q !== item) });
    if (item === undefined) return;
    if (item.kind === "handshake") await applyCommit(d, ctx, item.bytes);
    else await openApplication(d, ctx, item.bytes);
  }
}

/** Drops what waited too long; a lost commit means our state is behind for good. */
export async function expireQueue(d: Draft, ctx: Ctx): Promise<void> {
  const t = ctx.now();
  const expired = d.state.queue.filter((q) => q.expires <= t);
  if (expired.length === 0) return;
  d.set({ queue: d.state.queue.filter((q) => q.expires > t) });
  d.count("queueExpired", expired.length);
  d.report("STALE_QUEUE", `${expired.length} message(s) for a later epoch never became readable`);
  if (d.state.status === "member" && expired.some((q) => q.kind === "handshake")) {
    await rejoin(d, ctx, "missed a commit");
  }
}
