// The engine's timer: what each concern has due at a time, and when to look again. The shell
// keeps one timer at the earliest of these and of the wake-ups handlers asked for.
import { flightDeadlines, flightDue } from "./commit-flight.ts";
import type { Draft } from "./draft.ts";
import { expireQueue } from "./future-queue.ts";
import { refreshKeyPackage } from "./joining.ts";
import type { Ctx, MemberState } from "./member-state.ts";
import { rollbackDue } from "./rollback.ts";

/** Everything due now: a KeyPackage refresh, a rollback that never came, stale queued messages,
 * a commit in flight with no answer. */
export async function tick(d: Draft, ctx: Ctx): Promise<void> {
  await refreshKeyPackage(d, ctx);
  await rollbackDue(d, ctx);
  await expireQueue(d, ctx);
  flightDue(d, ctx);
}

/** The earliest time something in the state falls due, given the wake-ups asked for. */
export function nextWake(state: MemberState, ctx: Ctx, asked: number): number {
  // A removed member waits for nothing: only a rollback (a server message) can revive it.
  const deadlines = [state.status === "removed" ? Number.POSITIVE_INFINITY : asked];
  if (state.status === "joining") {
    deadlines.push(state.keyPackageSentAt + ctx.config.keyPackageRefreshMs);
  }
  if (state.awaitingRollback !== undefined) deadlines.push(state.awaitingRollback.deadline);
  for (const item of state.queue) deadlines.push(item.expires);
  deadlines.push(...flightDeadlines(state));
  return Math.min(...deadlines);
}
