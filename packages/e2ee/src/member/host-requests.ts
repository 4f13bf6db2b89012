// What this member asked to commit itself: roles and settings changes (lock, lobby, co-hosts,
// handing on the host role, denials), removals and lobby admissions. Requests are declarative, so one that a
// commit (ours or anyone's) has already brought about is done, and one that lost a race for its
// epoch is simply tried again in the next. A request our role no longer allows, or that no longer
// applies, is dropped and said why.
//
// A request a commit brought about is not forgotten at once: a commit can be rolled back until the
// next one is adopted (docs/e2ee.md "Recovery"), so it is kept, settling, until the epoch moves
// past the one that did it, and `reopen` after a rollback makes every settling request pending
// again. A rolled-back Remove is committed again, and a rolled-back block raises the invite
// generation again.
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
  /** participant id → the KeyPackageRef (hex) the host's card showed */
  | { readonly kind: "admit"; readonly uploads: ReadonlyMap<string, string> }
  | { readonly kind: "none" };

/** A request a commit brought about in `epoch`: final once a later commit is adopted. */
interface Settling {
  readonly epoch: bigint;
  readonly change?: RolesChange;
  readonly remove?: { readonly leaf: number; readonly fingerprint: Fingerprint };
}

export class HostRequests {
  #changes: RolesChange[] = [];
  /** participant id → the KeyPackageRef (hex) its card showed when the host admitted it */
  readonly #admits = new Map<string, string>();
  /** leaf → the fingerprint it held when asked: a leaf refilled since is someone else, left alone */
  readonly #removes = new Map<number, Fingerprint>();
  #settling: Settling[] = [];

  /** After a rollback: every request a withdrawn commit may have done is pending again. */
  reopen(): void {
    for (const { change, remove } of this.#settling) {
      if (change !== undefined) this.#changes.push(change);
      if (remove !== undefined) this.#removes.set(remove.leaf, remove.fingerprint);
    }
    this.#settling = [];
  }

  change(change: RolesChange): void {
    this.#changes.push(change);
  }

  remove(leaf: number, fingerprint: Fingerprint): void {
    this.#removes.set(leaf, fingerprint);
  }

  /** Admits exactly the upload with KeyPackageRef `ref` (hex) from `from`, nothing else. */
  admit(from: string, ref: string): void {
    this.#admits.set(from, ref);
  }

  clear(): void {
    this.#changes = [];
    this.#admits.clear();
    this.#removes.clear();
    this.#settling = [];
  }

  /**
   * What to commit now for our requests, given the session and the uploads that still wait (by
   * participant id, the KeyPackageRef of each, hex); `dropped` says which requests went and why.
   */
  next(
    session: MlsSession,
    waiting: ReadonlyMap<string, string>,
  ): { work: HostWork; dropped: string[] } {
    const dropped: string[] = [];
    // Done before the current epoch: a later commit was adopted since, so it is final.
    this.#settling = this.#settling.filter((s) => s.epoch >= session.epoch);
    const own = rosterEntry(session.roster, session.ownLeafIndex);
    if (own === undefined) return { work: { kind: "none" }, dropped };
    const me = fingerprintFromBytes(own.fingerprint);
    const role = roleOf(session.roles, me);
    const present = role === "member" ? [] : denied(session, session.roles);
    if (present.length > 0) return { work: { kind: "remove", leaves: present }, dropped };
    let roles = session.roles;
    const kept: RolesChange[] = [];
    for (const change of this.#changes) {
      if (isDone(roles, change)) {
        this.#settling.push({ epoch: session.epoch, change }); // a commit brought it about
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
    this.#changes = kept;
    for (const [from, ref] of [...this.#admits]) {
      const now = waiting.get(from);
      if (now === undefined)
        this.#admits.delete(from); // admitted, or gone
      else if (now !== ref) {
        // Another device under that id since the host looked: never admit what it did not see.
        this.#admits.delete(from);
        dropped.push("admit: the upload changed since it was admitted; it waits again");
      } else if (role === "member") {
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
        this.#settling.push({ epoch: session.epoch, remove: { leaf, fingerprint } });
      } else if (role === "member") {
        this.#removes.delete(leaf);
        dropped.push("remove: only a host or co-host removes a participant");
      }
    }
    if (this.#removes.size > 0)
      return { work: { kind: "remove", leaves: [...this.#removes.keys()] }, dropped };
    if (this.#admits.size > 0) {
      return { work: { kind: "admit", uploads: new Map(this.#admits) }, dropped };
    }
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
