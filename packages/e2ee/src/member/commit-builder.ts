// Builds the commits commit duty asks for (docs/e2ee.md "Who commits"), as pure transitions on the
// session: nothing is adopted here. Every pending KeyPackage goes into one Add; one that fails our
// checks is left out and reported, so one bad upload cannot block every joiner behind it. An Add
// carries the joiners' admission proofs and, if we hold the admit key, their Welcome tags
// (admission/admission-add.ts); our own policy checks both before the commit is made.
import { type AdmittedKeyPackage, admissionCommitOptions } from "../admission/admission-add.ts";
import type { InviteKeys } from "../admission/invite-keys.ts";
import type { MeetingRoles } from "../admission/meeting-roles.ts";
import { isE2eeError } from "../errors.ts";
import { addMembers, commitRoles, removeMembers, selfUpdate } from "../mls/commits.ts";
import { decodeKeyPackage, validateKeyPackage } from "../mls/key-package.ts";
import type { AddTransition, CommitTransition, MlsSession } from "../mls/session.ts";

export interface Candidate extends AdmittedKeyPackage {
  readonly from: string;
}

export interface Rejected {
  readonly from: string;
  readonly reason: string;
  /** the error behind it, for the security log when a policy refused it */
  readonly error: unknown;
}

export type BuiltCommit =
  | { readonly kind: "add"; readonly transition: AddTransition; readonly rejected: Rejected[] }
  | { readonly kind: "remove" | "update" | "roles"; readonly transition: CommitTransition }
  | { readonly kind: "none"; readonly rejected: Rejected[] };

const reasonOf = (error: unknown) =>
  isE2eeError(error) ? `${error.code}: ${error.message}` : String(error);

async function add(
  session: MlsSession,
  joiners: readonly Candidate[],
  now: number,
  keys: InviteKeys | undefined,
): Promise<AddTransition> {
  const options = await admissionCommitOptions(session, keys, joiners);
  return addMembers(
    session,
    joiners.map((c) => c.bytes),
    { ...options, now },
  );
}

/** Checks each KeyPackage alone (clock, credential, then a trial Add that ts-mls verifies). */
async function screen(
  session: MlsSession,
  candidates: readonly Candidate[],
  now: number,
  keys: InviteKeys | undefined,
  trial: boolean,
): Promise<{ good: Candidate[]; rejected: Rejected[] }> {
  const good: Candidate[] = [];
  const rejected: Rejected[] = [];
  for (const candidate of candidates) {
    try {
      validateKeyPackage(decodeKeyPackage(candidate.bytes), { now, suite: session.suite.name });
      if (trial) await add(session, [candidate], now, keys);
      good.push(candidate);
    } catch (error) {
      rejected.push({ from: candidate.from, reason: reasonOf(error), error });
    }
  }
  return { good, rejected };
}

/** One Add of every acceptable candidate; a failing batch is screened one by one, then retried. */
export async function buildAdd(
  session: MlsSession,
  candidates: readonly Candidate[],
  now: number,
  keys: InviteKeys | undefined,
): Promise<BuiltCommit> {
  const first = await screen(session, candidates, now, keys, false);
  if (first.good.length === 0) return { kind: "none", rejected: first.rejected };
  try {
    const transition = await add(session, first.good, now, keys);
    return { kind: "add", transition, rejected: first.rejected };
  } catch {
    const second = await screen(session, first.good, now, keys, true);
    const rejected = [...first.rejected, ...second.rejected];
    if (second.good.length === 0) return { kind: "none", rejected };
    const transition = await add(session, second.good, now, keys);
    return { kind: "add", transition, rejected };
  }
}

export async function buildRemove(session: MlsSession, leaves: readonly number[]) {
  return { kind: "remove", transition: await removeMembers(session, leaves) } as const;
}

export async function buildUpdate(session: MlsSession) {
  return { kind: "update", transition: await selfUpdate(session) } as const;
}

/** New roles and settings (a commit of their own: mls/commits.ts commitRoles says why). */
export async function buildRoles(session: MlsSession, roles: MeetingRoles) {
  return { kind: "roles", transition: await commitRoles(session, roles) } as const;
}
