// What this member asked to commit itself: roles and settings changes (lock, lobby, co-hosts,
// handing on the host role, denials), removals and lobby admissions. Requests are declarative, so one that a
// commit (ours or anyone's) has already brought about is done, and one that lost a race for its
// epoch is simply tried again in the next. A request our role no longer allows, or that no longer
// applies, is dropped and said why.
//
// A value: every function returns new requests and leaves the ones it got as they were.
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
  | { readonly kind: "admit"; readonly from: readonly string[] }
  | { readonly kind: "none" };

export interface HostRequests {
  readonly changes: readonly RolesChange[];
  readonly admits: ReadonlySet<string>;
  /** leaf → the fingerprint it held when asked: a leaf refilled since is someone else, left alone */
  readonly removes: ReadonlyMap<number, Fingerprint>;
}

export const NO_REQUESTS: HostRequests = { changes: [], admits: new Set(), removes: new Map() };

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

export function requestAdmit(requests: HostRequests, from: string): HostRequests {
  return { ...requests, admits: new Set(requests.admits).add(from) };
}

/** What to commit now for our requests, what is left of them, and which went and why. */
export interface HostPlan {
  readonly requests: HostRequests;
  readonly work: HostWork;
  readonly dropped: readonly string[];
}

/**
 * What to commit now for our requests, given the session and the participants whose uploads
 * still wait.
 */
export function nextHostWork(
  requests: HostRequests,
  session: MlsSession,
  waiting: ReadonlySet<string>,
): HostPlan {
  const own = rosterEntry(session.roster, session.ownLeafIndex);
  if (own === undefined) return { requests, work: { kind: "none" }, dropped: [] };
  const me = fingerprintFromBytes(own.fingerprint);
  const role = roleOf(session.roles, me);
  const present = role === "member" ? [] : denied(session, session.roles);
  if (present.length > 0) {
    return { requests, work: { kind: "remove", leaves: present }, dropped: [] };
  }
  const changes = keptChanges(requests.changes, session, me, role);
  const admits = keptAdmits(requests.admits, session, role, waiting);
  const removes = keptRemoves(requests.removes, session, role);
  const dropped = [...changes.dropped, ...admits.dropped, ...removes.dropped];
  const next = { changes: changes.kept, admits: admits.kept, removes: removes.kept };
  const plan = (work: HostWork): HostPlan => ({ requests: next, work, dropped });
  if (changes.kept.length > 0) return plan({ kind: "roles", roles: changes.roles });
  if (removes.kept.size > 0) return plan({ kind: "remove", leaves: [...removes.kept.keys()] });
  if (admits.kept.size > 0) return plan({ kind: "admit", from: [...admits.kept] });
  return plan({ kind: "none" });
}

/** The roles changes still to make, applied in order to the roles now. */
function keptChanges(
  changes: readonly RolesChange[],
  session: MlsSession,
  me: Fingerprint,
  role: Role,
): { kept: RolesChange[]; roles: MeetingRoles; dropped: string[] } {
  const dropped: string[] = [];
  const kept: RolesChange[] = [];
  let roles = session.roles;
  for (const change of changes) {
    if (isDone(roles, change)) continue; // a commit brought it about
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
  return { kept, roles, dropped };
}

/** Lobby admissions still to make: not yet admitted or gone, and ours to make. */
function keptAdmits(
  admits: ReadonlySet<string>,
  session: MlsSession,
  role: Role,
  waiting: ReadonlySet<string>,
): { kept: Set<string>; dropped: string[] } {
  const dropped: string[] = [];
  const kept = new Set<string>();
  for (const from of admits) {
    if (!waiting.has(from)) continue; // admitted, or gone
    if (role === "member") dropped.push("admit: only a host or co-host admits from the lobby");
    else if (session.roles.settings.locked) dropped.push("admit: the meeting is locked");
    else kept.add(from);
  }
  return { kept, dropped };
}

/** Removals still to make: the leaf still holds the device we asked to remove. */
function keptRemoves(
  removes: ReadonlyMap<number, Fingerprint>,
  session: MlsSession,
  role: Role,
): { kept: Map<number, Fingerprint>; dropped: string[] } {
  const dropped: string[] = [];
  const kept = new Map<number, Fingerprint>();
  for (const [leaf, fingerprint] of removes) {
    const entry = rosterEntry(session.roster, leaf);
    if (entry === undefined || fingerprintFromBytes(entry.fingerprint) !== fingerprint) continue;
    if (role === "member") dropped.push("remove: only a host or co-host removes a participant");
    else kept.set(leaf, fingerprint);
  }
  return { kept, dropped };
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
