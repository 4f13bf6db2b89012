// When the last host leaves (no host fingerprint left in the roster), the next committer promotes
// one member, and every member's policy accepts exactly that promotion from a non-host (DESIGN
// §3 "Roles"). The successor is deterministic, so everyone computes the same one:
//
//   the co-host at the lowest leaf index, else the member at the lowest leaf index,
//   leaving out deny-listed fingerprints (they are on their way out).
//
// The promotion makes the successor the only host (the departed hosts lose the role: a returning
// device rejoins as a member) and drops it from the co-hosts; nothing else changes.
import type { Roster } from "../mls/roster.ts";
import { type Fingerprint, fingerprintFromBytes } from "./fingerprint.ts";
import { type MeetingRoles, normalizeRoles, roleOf } from "./meeting-roles.ts";

/** Whether any host is in the roster. */
export function hostPresent(roles: MeetingRoles, roster: Roster): boolean {
  return roster.some((e) => roleOf(roles, fingerprintFromBytes(e.fingerprint)) === "host");
}

/** Who must be promoted now, or undefined while a host is present (or nobody can be). */
export function successorOf(roles: MeetingRoles, roster: Roster): Fingerprint | undefined {
  if (hostPresent(roles, roster)) return undefined;
  const eligible = [...roster]
    .sort((a, b) => a.leafIndex - b.leafIndex)
    .map((e) => fingerprintFromBytes(e.fingerprint))
    .filter((f) => !roles.denyList.includes(f));
  return eligible.find((f) => roleOf(roles, f) === "co-host") ?? eligible[0];
}

export function promote(roles: MeetingRoles, successor: Fingerprint): MeetingRoles {
  return normalizeRoles({
    ...roles,
    hosts: [successor],
    coHosts: roles.coHosts.filter((f) => f !== successor),
  });
}
