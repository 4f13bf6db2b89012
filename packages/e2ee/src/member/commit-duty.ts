// Commit duty as a pure decision (docs/e2ee.md "Who commits"): given what is pending and where we
// stand in leaf order, commit now (and what), or look again at a given time.
import type { Roster } from "../mls/roster.ts";
import { toHex } from "../sframe/bytes.ts";

export interface DutyInput {
  readonly now: number;
  readonly ownLeaf: number;
  readonly roster: Roster;
  /** our index among the leaves whose participant is connected (0: we hold duty) */
  readonly rank: number;
  readonly failoverMs: number;
  /** no commit of ours before this (after a refusal or a failure) */
  readonly retryAfter: number;
  /** leaves due for removal, and since when the earliest was due */
  readonly dueRemovals: readonly number[];
  readonly removalsSince: number | undefined;
  /** pending KeyPackages: since when, and the signature key (hex) they carry */
  readonly candidates: readonly { readonly since: number; readonly signatureKey: string }[];
  /** a rollback asked for a fresh epoch, since then */
  readonly rekeySince: number | undefined;
  readonly nextSelfUpdate: number;
  /** while our leaf is fresh from its KeyPackage: when our turn for the first update comes */
  readonly joinerTurnAt?: number | undefined;
  /** no host is left in the roster since then: a successor is due (admission/host-succession) */
  readonly promotionSince: number | undefined;
  /** a change this member asked for itself (roles, settings, a lobby admission): not ranked */
  readonly ownWork: boolean;
}

export type DutyPlan =
  | { readonly act: "wait"; readonly until: number }
  | { readonly act: "remove"; readonly leaves: readonly number[] }
  | { readonly act: "add" }
  | { readonly act: "promote" }
  | { readonly act: "own" }
  | { readonly act: "update" };

export function planCommit(input: DutyInput): DutyPlan {
  const { now, failoverMs } = input;
  // A device that joins again (it lost its state) replaces its old leaf: MLS refuses two leaves
  // with one signature key, so the old one is removed first.
  const byKey = new Map(input.roster.map((e) => [toHex(e.signaturePublicKey), e.leafIndex]));
  const replaced = input.candidates.flatMap((c) => {
    const leaf = byKey.get(c.signatureKey);
    return leaf === undefined || leaf === input.ownLeaf ? [] : [leaf];
  });
  const removing = [...new Set([...input.dueRemovals, ...replaced])].sort((a, b) => a - b);
  const starts = [
    input.removalsSince,
    input.rekeySince,
    input.promotionSince,
    ...input.candidates.map((c) => c.since),
  ].filter((s): s is number => s !== undefined);
  // Our own requests (a lock, a lobby admission) are ours to commit, whatever our rank.
  const ownAt = input.ownWork ? input.retryAfter : Number.POSITIVE_INFINITY;
  if (starts.length > 0) {
    // Pending work: the duty holder does it now, the next in leaf order after 2 s, and so on.
    const fireAt = Math.max(Math.min(...starts) + input.rank * failoverMs, input.retryAfter);
    if (now < fireAt) {
      return now >= ownAt ? { act: "own" } : { act: "wait", until: Math.min(fireAt, ownAt) };
    }
    // Removals first: a departed member loses access before anyone new is let in.
    if (removing.length > 0) return { act: "remove", leaves: removing };
    if (now >= ownAt) return { act: "own" };
    if (input.promotionSince !== undefined) return { act: "promote" };
    if (input.candidates.length === 0) return { act: "update" };
    return { act: "add" };
  }
  if (input.ownWork) return now >= ownAt ? { act: "own" } : { act: "wait", until: ownAt };
  // Our own periodic update, unless other work is pending (someone is about to commit anyway).
  const updateAt = Math.max(input.nextSelfUpdate, input.joinerTurnAt ?? 0, input.retryAfter);
  return now < updateAt ? { act: "wait", until: updateAt } : { act: "update" };
}
