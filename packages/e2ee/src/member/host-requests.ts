// What this member asked to commit itself: roles and settings changes (lock, lobby, co-hosts,
// handing on the host role, denials), removals and lobby admissions. Requests are declarative, so one that a
// commit (ours or anyone's) has already brought about is done, and one that lost a race for its
// epoch is simply tried again in the next. A request our role no longer allows, or that no longer
// applies, is dropped and said why.
//
// A denial takes up to three commits, in this order: the deny-list (so nobody adds the device
// again), the Remove of its leaves (a commit of its own: mls/session.ts commitRoles), and, for
// "remove and block", the new invite generation, in an epoch the device never sees
// (admission/invite-keys.ts).
import { type Fingerprint, fingerprintFromBytes } from "../admission/fingerprint.ts";
import { type MeetingRoles, roleOf } from "../admission/meeting-roles.ts";
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

export class HostRequests {
  #changes: RolesChange[] = [];
  readonly #admits = new Set<string>();
  /** leaf → the fingerprint it held when asked: a leaf refilled since is someone else, left alone */
  readonly #removes = new Map<number, Fingerprint>();

  change(change: RolesChange): void {
    this.#changes.push(change);
  }

  remove(leaf: number, fingerprint: Fingerprint): void {
    this.#removes.set(leaf, fingerprint);
  }

  admit(from: string): void {
    this.#admits.add(from);
  }

  clear(): void {
    this.#changes = [];
    this.#admits.clear();
    this.#removes.clear();
  }

  /**
   * What to commit now for our requests, given the session and the participants whose uploads
   * still wait; `dropped` says which requests went and why.
   */
  next(session: MlsSession, waiting: ReadonlySet<string>): { work: HostWork; dropped: string[] } {
    const dropped: string[] = [];
    const own = rosterEntry(session.roster, session.ownLeafIndex);
    if (own === undefined) return { work: { kind: "none" }, dropped };
    const me = fingerprintFromBytes(own.fingerprint);
    const role = roleOf(session.roles, me);
    const present = role === "member" ? [] : denied(session, session.roles);
    if (present.length > 0) return { work: { kind: "remove", leaves: present }, dropped };
    let roles = session.roles;
    const kept: RolesChange[] = [];
    for (const change of this.#changes) {
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
    this.#changes = kept;
    for (const from of [...this.#admits]) {
      if (!waiting.has(from))
        this.#admits.delete(from); // admitted, or gone
      else if (role === "member") {
        this.#admits.delete(from);
        dropped.push("admit: only a host or co-host admits from the lobby");
      } else if (session.roles.settings.locked) {
        this.#admits.delete(from);
        dropped.push("admit: the meeting is locked");
      }
    }
    if (kept.length > 0) return { work: { kind: "roles", roles }, dropped };
    for (const [leaf, fingerprint] of [...this.#removes]) {
      const entry = rosterEntry(session.roster, leaf);
      if (entry === undefined || fingerprintFromBytes(entry.fingerprint) !== fingerprint) {
        this.#removes.delete(leaf); // removed already, by us or anyone
      } else if (role === "member") {
        this.#removes.delete(leaf);
        dropped.push("remove: only a host or co-host removes a participant");
      }
    }
    if (this.#removes.size > 0)
      return { work: { kind: "remove", leaves: [...this.#removes.keys()] }, dropped };
    if (this.#admits.size > 0) return { work: { kind: "admit", from: [...this.#admits] }, dropped };
    return { work: { kind: "none" }, dropped };
  }
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
