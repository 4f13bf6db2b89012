// What this member asked to commit itself: roles and settings changes (lock, lobby, co-hosts,
// handing on the host role, denials), removals and lobby admissions. Requests are declarative, so one that a
// commit (ours or anyone's) has already brought about is done, and one that lost a race for its
// epoch is simply tried again in the next. A request our role no longer allows, or that no longer
// applies, is dropped and said why.
//
// A value: every function returns new requests and leaves the ones it got as they were.
//
// A request a commit brought about is not forgotten at once: a commit can be rolled back until the
// next one is adopted (docs/e2ee.md "Recovery"), so it is kept, settling, until the epoch moves
// past the one that did it, and `reopenRequests` after a rollback makes every settling request
// pending again. A rolled-back Remove is committed again, and a rolled-back block raises the
// invite generation again.
//
// A denial takes up to three commits, in this order: the deny-list (so nobody adds the device
// again), the Remove of its leaves (a commit of its own: mls/commits.ts commitRoles), and, for
// "remove and block", the new invite generation, in an epoch the device never sees
// (admission/invite-keys.ts).
import { type Fingerprint, fingerprintFromBytes } from "../admission/fingerprint.ts";
import { type MeetingRoles, type Role, roleOf } from "../admission/meeting-roles.ts";
import {
  applyRolesChange,
  isDone,
  mayChange,
  type RolesChange,
  rolesChangeProblem,
} from "../admission/roles-change.ts";
import { isE2eeError } from "../errors.ts";
import { rosterEntry } from "../mls/roster.ts";
import type { MlsSession } from "../mls/session.ts";

export type HostWork =
  | { readonly kind: "roles"; readonly roles: MeetingRoles }
  | { readonly kind: "remove"; readonly leaves: readonly number[] }
  /** participant id → the KeyPackageRef (hex) the host's card showed */
  | { readonly kind: "admit"; readonly uploads: ReadonlyMap<string, string> }
  | { readonly kind: "none" };

/** A request a commit brought about in `epoch`: final once a later commit is adopted. */
interface Settling {
  readonly epoch: bigint;
  readonly change?: RolesChange;
  readonly remove?: { readonly leaf: number; readonly fingerprint: Fingerprint };
}

export interface HostRequests {
  readonly changes: readonly RolesChange[];
  /** participant id → the KeyPackageRef (hex) its card showed when the host admitted it */
  readonly admits: ReadonlyMap<string, string>;
  /** leaf → the fingerprint it held when asked: a leaf refilled since is someone else, left alone */
  readonly removes: ReadonlyMap<number, Fingerprint>;
  readonly settling: readonly Settling[];
}

export const NO_REQUESTS: HostRequests = {
  changes: [],
  admits: new Map(),
  removes: new Map(),
  settling: [],
};

export function requestChange(requests: HostRequests, change: RolesChange): HostRequests {
  return { ...requests, changes: [...requests.changes, change] };
}

export function requestRemove(
  requests: HostRequests,
  leaf: number,
  fingerprint: Fingerprint,
): HostRequests {
  return { ...requests, removes: new Map(requests.removes).set(leaf, fingerprint) };
}

/** Admits exactly the upload with KeyPackageRef `ref` (hex) from `from`, nothing else. */
export function requestAdmit(requests: HostRequests, from: string, ref: string): HostRequests {
  return { ...requests, admits: new Map(requests.admits).set(from, ref) };
}

/** After a rollback: every request a withdrawn commit may have done is pending again. */
export function reopenRequests(requests: HostRequests): HostRequests {
  const changes = [...requests.changes];
  const removes = new Map(requests.removes);
  for (const { change, remove } of requests.settling) {
    if (change !== undefined) changes.push(change);
    if (remove !== undefined) removes.set(remove.leaf, remove.fingerprint);
  }
  return { ...requests, changes, removes, settling: [] };
}

/** What to commit now for our requests, what is left of them, and which went and why. */
export interface HostPlan {
  readonly requests: HostRequests;
  readonly work: HostWork;
  readonly dropped: readonly string[];
}

/**
 * What to commit now for our requests, given the session and the uploads that still wait (by
 * participant id, the KeyPackageRef of each, hex).
 */
export function nextHostWork(
  requests: HostRequests,
  session: MlsSession,
  waiting: ReadonlyMap<string, string>,
): HostPlan {
  // Done before the current epoch: a later commit was adopted since, so it is final.
  const settled = requests.settling.filter((s) => s.epoch >= session.epoch);
  const own = rosterEntry(session.roster, session.ownLeafIndex);
  if (own === undefined) {
    return { requests: { ...requests, settling: settled }, work: { kind: "none" }, dropped: [] };
  }
  const me = fingerprintFromBytes(own.fingerprint);
  const role = roleOf(session.roles, me);
  const present = role === "member" ? [] : denied(session, session.roles);
  if (present.length > 0) {
    const next = { ...requests, settling: settled };
    return { requests: next, work: { kind: "remove", leaves: present }, dropped: [] };
  }
  const changes = keptChanges(requests.changes, session, me, role);
  const admits = keptAdmits(requests.admits, session, role, waiting);
  const removes = keptRemoves(requests.removes, session, role);
  const dropped = [...changes.dropped, ...admits.dropped, ...removes.dropped];
  const settling = [
    ...settled,
    ...changes.done.map((change) => ({ epoch: session.epoch, change })),
    ...removes.done.map((remove) => ({ epoch: session.epoch, remove })),
  ];
  const next = { changes: changes.kept, admits: admits.kept, removes: removes.kept, settling };
  const plan = (work: HostWork): HostPlan => ({ requests: next, work, dropped });
  if (changes.kept.length > 0) return plan({ kind: "roles", roles: changes.roles });
  if (removes.kept.size > 0) return plan({ kind: "remove", leaves: [...removes.kept.keys()] });
  if (admits.kept.size > 0) return plan({ kind: "admit", uploads: admits.kept });
  return plan({ kind: "none" });
}

/** The roles changes still to make, applied in order to the roles now. */
function keptChanges(
  changes: readonly RolesChange[],
  session: MlsSession,
  me: Fingerprint,
  role: Role,
): { kept: RolesChange[]; roles: MeetingRoles; dropped: string[]; done: RolesChange[] } {
  const dropped: string[] = [];
  const kept: RolesChange[] = [];
  const done: RolesChange[] = [];
  let roles = session.roles;
  for (const change of changes) {
    if (isDone(roles, change)) {
      done.push(change); // a commit brought it about
      continue;
    }
    if (!mayChange(role, change)) {
      dropped.push(`${change.kind}: not allowed for a ${role}`);
      continue;
    }
    let after: MeetingRoles;
    try {
      after = applyRolesChange(roles, change);
    } catch (error) {
      dropped.push(`${change.kind}: ${isE2eeError(error) ? error.message : String(error)}`);
      continue;
    }
    if (after.inviteGeneration > roles.inviteGeneration && denied(session, after).length > 0) {
      // the new secret must not reach a device still here: deny now, replace once it is out
      after = { ...after, inviteGeneration: roles.inviteGeneration };
    }
    const problem = rolesChangeProblem(session.roles, after, me, session.roster);
    if (problem !== undefined) {
      dropped.push(`${change.kind}: ${problem}`);
      continue;
    }
    roles = after;
    kept.push(change);
  }
  return { kept, roles, dropped, done };
}

/** Lobby admissions still to make: the very upload the host saw still waits, and ours to make. */
function keptAdmits(
  admits: ReadonlyMap<string, string>,
  session: MlsSession,
  role: Role,
  waiting: ReadonlyMap<string, string>,
): { kept: Map<string, string>; dropped: string[] } {
  const dropped: string[] = [];
  const kept = new Map<string, string>();
  for (const [from, ref] of admits) {
    const now = waiting.get(from);
    if (now === undefined) continue; // admitted, or gone
    // Another device under that id since the host looked: never admit what it did not see.
    if (now !== ref)
      dropped.push("admit: the upload changed since it was admitted; it waits again");
    else if (role === "member") dropped.push("admit: only a host or co-host admits from the lobby");
    else if (session.roles.settings.locked) dropped.push("admit: the meeting is locked");
    else kept.set(from, ref);
  }
  return { kept, dropped };
}

/** Removals still to make: the leaf still holds the device we asked to remove. */
function keptRemoves(
  removes: ReadonlyMap<number, Fingerprint>,
  session: MlsSession,
  role: Role,
): {
  kept: Map<number, Fingerprint>;
  dropped: string[];
  done: { leaf: number; fingerprint: Fingerprint }[];
} {
  const dropped: string[] = [];
  const kept = new Map<number, Fingerprint>();
  const done: { leaf: number; fingerprint: Fingerprint }[] = [];
  for (const [leaf, fingerprint] of removes) {
    const entry = rosterEntry(session.roster, leaf);
    if (entry === undefined || fingerprintFromBytes(entry.fingerprint) !== fingerprint) {
      done.push({ leaf, fingerprint }); // removed already, by us or anyone
      continue;
    }
    if (role === "member") dropped.push("remove: only a host or co-host removes a participant");
    else kept.set(leaf, fingerprint);
  }
  return { kept, dropped, done };
}

/** Leaves of devices on the deny-list, but ours. */
function denied(session: MlsSession, roles: MeetingRoles): number[] {
  const list = new Set<Fingerprint>(roles.denyList);
  return session.roster
    .filter(
      (e) => e.leafIndex !== session.ownLeafIndex && list.has(fingerprintFromBytes(e.fingerprint)),
    )
    .map((e) => e.leafIndex);
}
