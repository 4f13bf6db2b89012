// The roster as people see it (events.ts RosterMember): the MLS roster's leaves, each with the
// name it said in its own signed `hello` and its role by fingerprint; and our own role.
import { fingerprintFromBytes } from "../admission/fingerprint.ts";
import { roleOf, sameRoles } from "../admission/meeting-roles.ts";
import { formatFingerprint } from "../mls/credential.ts";
import { type Roster, rosterEntry } from "../mls/roster.ts";
import { constantTimeEqual } from "../sframe/bytes.ts";
import type { Draft } from "./draft.ts";
import type { Ctx, MemberState } from "./member-state.ts";

export interface RosterDiff {
  readonly added: number[];
  readonly removed: number[];
}

/**
 * Leaves whose holder changed between two rosters (a refilled leaf is both). Going forward by a
 * commit, a device removed and added again at its leaf in one commit keeps its fingerprint, but
 * its leaf comes from a new KeyPackage (only an Add puts one there, RFC 9420 §7.2): it is a new
 * member, who cannot read what was said before. Going back by a rollback, a KeyPackage leaf that
 * returns is the one from before its update: the fingerprint alone decides.
 */
export function rosterDiff(
  before: Roster,
  after: Roster,
  direction: "commit" | "rollback" = "commit",
): RosterDiff {
  /** Whether the member at a leaf `then` is still the one there `now`. */
  const stays = (then: Roster[number] | undefined, now: Roster[number] | undefined) =>
    then !== undefined &&
    now !== undefined &&
    constantTimeEqual(now.fingerprint, then.fingerprint) &&
    !(
      direction === "commit" &&
      now.fromKeyPackage &&
      !constantTimeEqual(now.hpkeKey, then.hpkeKey)
    );
  return {
    added: after.filter((e) => !stays(rosterEntry(before, e.leafIndex), e)).map((e) => e.leafIndex),
    removed: before
      .filter((e) => !stays(e, rosterEntry(after, e.leafIndex)))
      .map((e) => e.leafIndex),
  };
}

/** Names said by leaves that changed hands are forgotten: the new holder says its own. */
export function forgetNames(d: Draft, diff: RosterDiff): void {
  const names = new Map(d.state.names);
  for (const leaf of [...diff.added, ...diff.removed]) names.delete(leaf);
  d.set({ names });
}

/** Makes the roster view again from the session and the names; announces new roles. */
export function rebuildRoster(d: Draft, ctx: Ctx): void {
  const { session, names, rolesShown } = d.state;
  const own = session?.ownLeafIndex;
  const roster = (session?.roster ?? []).map((entry) => ({
    leaf: entry.leafIndex,
    displayName:
      entry.leafIndex === own
        ? ctx.config.identity.displayName
        : (names.get(entry.leafIndex) ?? ""),
    deviceId: entry.deviceId,
    fingerprint: formatFingerprint(entry.fingerprint),
    nameConfirmed: entry.leafIndex === own || names.has(entry.leafIndex),
    self: entry.leafIndex === own,
    role:
      session === undefined
        ? ("member" as const)
        : roleOf(session.roles, fingerprintFromBytes(entry.fingerprint)),
  }));
  d.set({ roster });
  const roles = session?.roles;
  if (roles !== undefined && (rolesShown === undefined || !sameRoles(roles, rolesShown))) {
    d.set({ rolesShown: roles });
    d.emit("roles", roles);
  }
}

/** Our fingerprint and role now, if we are a member. */
export function ownRole(state: MemberState) {
  const { session, status } = state;
  const entry =
    session === undefined ? undefined : rosterEntry(session.roster, session.ownLeafIndex);
  if (session === undefined || entry === undefined || status !== "member") return undefined;
  const fingerprint = fingerprintFromBytes(entry.fingerprint);
  return { fingerprint, role: roleOf(session.roles, fingerprint) };
}
