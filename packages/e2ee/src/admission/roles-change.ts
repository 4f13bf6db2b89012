// Changes to the roles and settings (meeting-roles.ts): what the engine's API asks for, and who may
// commit which change. Every member checks a received GroupContextExtensions commit against
// `authorizeRolesChange` with the roles and roster *before* it (mls/policy.ts):
//
//   host     anything, provided a host stays in the meeting, every new host or co-host is a member
//            now, and the invite generation goes up by at most one (each step is derived from the
//            epoch it happens in, admission/invite-keys.ts), only while no denied device is here
//            to derive it, and never back;
//   co-host  the settings (lock, lobby, knocking) and new deny-list entries: moderation. Not the
//            roles themselves, not removing a denial, not the invite generation;
//   member   nothing, except exactly the promotion host-succession.ts defines when no host is
//            left in the roster.
import { E2eeUsageError } from "../errors.ts";
import type { Roster } from "../mls/roster.ts";
import { type Fingerprint, fingerprintFromBytes } from "./fingerprint.ts";
import { promote, successorOf } from "./host-succession.ts";
import {
  type MeetingRoles,
  normalizeRoles,
  type Role,
  roleOf,
  sameRoles,
} from "./meeting-roles.ts";

export type RolesChange =
  | { readonly kind: "set-locked"; readonly locked: boolean }
  | {
      readonly kind: "set-lobby";
      readonly lobbyMandatory: boolean;
      readonly knockingEnabled: boolean;
    }
  | { readonly kind: "co-host"; readonly fingerprint: Fingerprint; readonly on: boolean }
  /** `from` (the committer) hands the host role to `to` and stays a member */
  | { readonly kind: "transfer-host"; readonly from: Fingerprint; readonly to: Fingerprint }
  /** refuse this device from now on (its leaves are removed in the same commit) */
  | { readonly kind: "deny"; readonly fingerprint: Fingerprint }
  /**
   * "Remove and block": deny, and replace the invite secret in the same commit by raising its
   * generation to `generation` (one above the roles the request was made on)
   */
  | { readonly kind: "block"; readonly fingerprint: Fingerprint; readonly generation: number };

/** The roles after `change`; throws E2EE_USAGE for a change that cannot apply (e.g. deny a host). */
export function applyRolesChange(roles: MeetingRoles, change: RolesChange): MeetingRoles {
  switch (change.kind) {
    case "set-locked":
      return { ...roles, settings: { ...roles.settings, locked: change.locked } };
    case "set-lobby":
      return {
        ...roles,
        settings: {
          ...roles.settings,
          lobbyMandatory: change.lobbyMandatory,
          knockingEnabled: change.knockingEnabled,
        },
      };
    case "co-host": {
      if (roles.hosts.includes(change.fingerprint)) {
        throw new E2eeUsageError("a host cannot also be a co-host");
      }
      const rest = roles.coHosts.filter((f) => f !== change.fingerprint);
      return normalizeRoles({
        ...roles,
        coHosts: change.on ? [...rest, change.fingerprint] : rest,
      });
    }
    case "transfer-host":
      if (!roles.hosts.includes(change.from)) throw new E2eeUsageError("only a host hands it on");
      return normalizeRoles({
        ...roles,
        hosts: [...roles.hosts.filter((f) => f !== change.from), change.to],
        coHosts: roles.coHosts.filter((f) => f !== change.to),
      });
    case "deny":
      return normalizeRoles({ ...roles, denyList: [...roles.denyList, change.fingerprint] });
    case "block":
      return normalizeRoles({
        ...roles,
        denyList: [...roles.denyList, change.fingerprint],
        inviteGeneration: Math.max(roles.inviteGeneration, change.generation),
      });
  }
}

/** Whether `roles` already say what `change` asks for. */
export function isDone(roles: MeetingRoles, change: RolesChange): boolean {
  switch (change.kind) {
    case "set-locked":
      return roles.settings.locked === change.locked;
    case "set-lobby":
      return (
        roles.settings.lobbyMandatory === change.lobbyMandatory &&
        roles.settings.knockingEnabled === change.knockingEnabled
      );
    case "co-host":
      return roles.coHosts.includes(change.fingerprint) === change.on;
    case "transfer-host":
      return roles.hosts.includes(change.to) && !roles.hosts.includes(change.from);
    case "deny":
      return roles.denyList.includes(change.fingerprint);
    case "block":
      return (
        roles.denyList.includes(change.fingerprint) && roles.inviteGeneration >= change.generation
      );
  }
}

/** What a role may change (the table at the head of this file). */
export function mayChange(role: Role, change: RolesChange): boolean {
  if (role === "host") return true;
  if (role === "co-host") return ["set-locked", "set-lobby", "deny"].includes(change.kind);
  return false;
}

const sameList = (a: readonly Fingerprint[], b: readonly Fingerprint[]) =>
  a.length === b.length && a.every((f, i) => f === b[i]);

/** Why `committer` may not change `before` into `after`, or undefined if it may. */
export function rolesChangeProblem(
  before: MeetingRoles,
  after: MeetingRoles,
  committer: Fingerprint,
  roster: Roster,
): string | undefined {
  const role = roleOf(before, committer);
  const members = new Set(roster.map((e) => fingerprintFromBytes(e.fingerprint)));
  if (role === "host") {
    if (!after.hosts.some((f) => members.has(f))) return "no host would be left in the meeting";
    const appointed = [...after.hosts, ...after.coHosts].filter(
      (f) => !before.hosts.includes(f) && !before.coHosts.includes(f),
    );
    if (appointed.some((f) => !members.has(f))) return "a new host or co-host is not a member";
    if (after.inviteGeneration < before.inviteGeneration) return "invite generation went back";
    if (after.inviteGeneration > before.inviteGeneration + 1) {
      return "invite generation skipped one";
    }
    if (
      after.inviteGeneration > before.inviteGeneration &&
      after.denyList.some((f) => members.has(f))
    ) {
      return "a new invite secret while a denied device is still here";
    }
    return undefined;
  }
  if (role === "co-host") {
    if (
      !sameList(before.hosts, after.hosts) ||
      !sameList(before.coHosts, after.coHosts) ||
      before.inviteGeneration !== after.inviteGeneration
    ) {
      return "a co-host changes only settings and adds to the deny-list";
    }
    if (before.denyList.some((f) => !after.denyList.includes(f))) {
      return "a co-host cannot lift a denial";
    }
    return undefined;
  }
  const successor = successorOf(before, roster);
  if (successor !== undefined && sameRoles(after, promote(before, successor))) return undefined;
  return "a member changes roles only to promote the successor of the last host";
}
