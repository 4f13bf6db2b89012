// Builds the commits commit duty asks for (docs/e2ee.md "Who commits"), as pure transitions on the
// session: nothing is adopted here. Every pending KeyPackage goes into one Add; one that fails our
// checks is left out and reported, so one bad upload cannot block every joiner behind it.
import { isE2eeError } from "../errors.ts";
import { decodeKeyPackage, validateKeyPackage } from "../mls/key-package.ts";
import {
  type AddTransition,
  addMembers,
  type CommitTransition,
  type MlsSession,
  removeMembers,
  selfUpdate,
} from "../mls/session.ts";

export interface Candidate {
  readonly from: string;
  readonly bytes: Uint8Array;
}

export interface Rejected {
  readonly from: string;
  readonly reason: string;
}

export type BuiltCommit =
  | { readonly kind: "add"; readonly transition: AddTransition; readonly rejected: Rejected[] }
  | { readonly kind: "remove" | "update"; readonly transition: CommitTransition }
  | { readonly kind: "none"; readonly rejected: Rejected[] };

const reasonOf = (error: unknown) =>
  isE2eeError(error) ? `${error.code}: ${error.message}` : String(error);

/** Checks each KeyPackage alone (clock, credential, then a trial Add that ts-mls verifies). */
async function screen(
  session: MlsSession,
  candidates: readonly Candidate[],
  now: number,
  trial: boolean,
): Promise<{ good: Candidate[]; rejected: Rejected[] }> {
  const good: Candidate[] = [];
  const rejected: Rejected[] = [];
  for (const candidate of candidates) {
    try {
      validateKeyPackage(decodeKeyPackage(candidate.bytes), { now });
      if (trial) await addMembers(session, [candidate.bytes], { now });
      good.push(candidate);
    } catch (error) {
      rejected.push({ from: candidate.from, reason: reasonOf(error) });
    }
  }
  return { good, rejected };
}

/** One Add of every acceptable candidate; a failing batch is screened one by one, then retried. */
export async function buildAdd(
  session: MlsSession,
  candidates: readonly Candidate[],
  now: number,
): Promise<BuiltCommit> {
  const first = await screen(session, candidates, now, false);
  if (first.good.length === 0) return { kind: "none", rejected: first.rejected };
  try {
    const transition = await addMembers(
      session,
      first.good.map((c) => c.bytes),
      { now },
    );
    return { kind: "add", transition, rejected: first.rejected };
  } catch {
    const second = await screen(session, first.good, now, true);
    const rejected = [...first.rejected, ...second.rejected];
    if (second.good.length === 0) return { kind: "none", rejected };
    const transition = await addMembers(
      session,
      second.good.map((c) => c.bytes),
      { now },
    );
    return { kind: "add", transition, rejected };
  }
}

export async function buildRemove(session: MlsSession, leaves: readonly number[]) {
  return { kind: "remove", transition: await removeMembers(session, leaves) } as const;
}

export async function buildUpdate(session: MlsSession) {
  return { kind: "update", transition: await selfUpdate(session) } as const;
}
