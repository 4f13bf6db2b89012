// Roles and meeting settings, kept in the MLS group context (DESIGN §3, "Roles"), so every member
// holds the same copy and a change is a commit every member checks (roles-change.ts). A
// GroupContext extension whose layout @conclave/protocol defines (roles-extension.ts), because the
// Delivery Service reads its settings too.
//
// Every list is strictly ascending (so one set of roles has one encoding, and byte equality is
// equality), hosts and co-hosts are disjoint, and no one on either is on the deny-list. Members
// are named by fingerprint, never by leaf index: a leaf is refilled by the next Add, a fingerprint
// follows the device. The decoder refuses anything else.
//
// The Delivery Service sees this extension (commits are PublicMessages): who is host, the
// settings, the denied fingerprints. It sees every member's signature key already.
import {
  decodeSettingsFlags,
  encodeSettingsFlags,
  FOUNDING_SETTINGS,
  MAX_CO_HOSTS,
  MAX_DENIED,
  MAX_HOSTS,
  type MeetingSettings,
  ROLES_EXTENSION_TYPE,
  ROLES_HEADER_BYTES,
  ROLES_VERSION,
} from "@conclave/protocol";
import type { Extension } from "ts-mls";
import { E2eeUsageError } from "../errors.ts";
import { fromHex, toHex } from "../sframe/bytes.ts";
import { FINGERPRINT_BYTES, type Fingerprint } from "./fingerprint.ts";

export const MEETING_ROLES_EXTENSION_TYPE = ROLES_EXTENSION_TYPE;
export { MAX_CO_HOSTS, MAX_DENIED, MAX_HOSTS, type MeetingSettings };
export const MAX_INVITE_GENERATION = 0xffff_ffff;

export interface MeetingRoles {
  readonly hosts: readonly Fingerprint[];
  readonly coHosts: readonly Fingerprint[];
  readonly settings: MeetingSettings;
  readonly denyList: readonly Fingerprint[];
  /** Bumped when the invite secret is replaced ("remove and block"). */
  readonly inviteGeneration: number;
}

export type Role = "host" | "co-host" | "member";

export const DEFAULT_SETTINGS: MeetingSettings = FOUNDING_SETTINGS;

/** The founding group context's roles: the creator is the one host (DESIGN §3.1). */
export function foundingRoles(
  creator: Fingerprint,
  settings: MeetingSettings = DEFAULT_SETTINGS,
): MeetingRoles {
  return { hosts: [creator], coHosts: [], settings, denyList: [], inviteGeneration: 0 };
}

export function roleOf(roles: MeetingRoles, fingerprint: Fingerprint): Role {
  if (roles.hosts.includes(fingerprint)) return "host";
  if (roles.coHosts.includes(fingerprint)) return "co-host";
  return "member";
}

const ascending = (list: readonly Fingerprint[]) =>
  list.every((f, i) => i === 0 || (list[i - 1] ?? "") < f);
const sorted = (list: readonly Fingerprint[]) => [...new Set(list)].sort() as Fingerprint[];

/** Why these roles break the rules at the head of this file, or undefined if they do not. */
export function rolesProblem(roles: MeetingRoles): string | undefined {
  const { hosts, coHosts, denyList, inviteGeneration } = roles;
  if (hosts.length === 0 || hosts.length > MAX_HOSTS) return `1-${MAX_HOSTS} hosts`;
  if (coHosts.length > MAX_CO_HOSTS) return `at most ${MAX_CO_HOSTS} co-hosts`;
  if (denyList.length > MAX_DENIED) return `at most ${MAX_DENIED} denied fingerprints`;
  if (!Number.isInteger(inviteGeneration) || inviteGeneration < 0) return "bad invite generation";
  if (inviteGeneration > MAX_INVITE_GENERATION) return "bad invite generation";
  if (![hosts, coHosts, denyList].every(ascending)) return "lists must be strictly ascending";
  if (hosts.some((f) => coHosts.includes(f))) return "a host is also a co-host";
  if ([...hosts, ...coHosts].some((f) => denyList.includes(f))) return "a host is deny-listed";
  return undefined;
}

/** Sorts the lists (dropping repeats) and checks the rules; throws E2EE_USAGE if they break. */
export function normalizeRoles(roles: MeetingRoles): MeetingRoles {
  const normal = {
    ...roles,
    hosts: sorted(roles.hosts),
    coHosts: sorted(roles.coHosts),
    denyList: sorted(roles.denyList),
  };
  const problem = rolesProblem(normal);
  if (problem !== undefined) throw new E2eeUsageError(`meeting roles: ${problem}`);
  return normal;
}

export function encodeMeetingRoles(input: MeetingRoles): Uint8Array {
  const roles = normalizeRoles(input);
  const { hosts, coHosts, denyList, settings } = roles;
  const out = new Uint8Array(
    10 + FINGERPRINT_BYTES * (hosts.length + coHosts.length + denyList.length),
  );
  const view = new DataView(out.buffer);
  out[0] = ROLES_VERSION;
  out[1] = encodeSettingsFlags(settings);
  view.setUint32(2, roles.inviteGeneration);
  let at = ROLES_HEADER_BYTES;
  const list = (fingerprints: readonly Fingerprint[]) => {
    for (const f of fingerprints) {
      out.set(fromHex(f) ?? new Uint8Array(FINGERPRINT_BYTES), at);
      at += FINGERPRINT_BYTES;
    }
  };
  out[at++] = hosts.length;
  list(hosts);
  out[at++] = coHosts.length;
  list(coHosts);
  view.setUint16(at, denyList.length);
  at += 2;
  list(denyList);
  return out;
}

export type MeetingRolesResult =
  | { readonly ok: true; readonly roles: MeetingRoles }
  | { readonly ok: false; readonly reason: string };

/** Decodes exactly the canonical layout above, or says why not; never throws. */
export function decodeMeetingRoles(bytes: Uint8Array): MeetingRolesResult {
  const fail = (reason: string): MeetingRolesResult => ({ ok: false, reason });
  if (bytes.length < 10) return fail("truncated");
  if (bytes[0] !== ROLES_VERSION) return fail("unknown version");
  const settings = decodeSettingsFlags(bytes[1] ?? 0);
  if (settings === undefined) return fail("unknown flags");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = ROLES_HEADER_BYTES;
  const list = (count: number): Fingerprint[] | undefined => {
    if (at + count * FINGERPRINT_BYTES > bytes.length) return undefined;
    const out: Fingerprint[] = [];
    for (let i = 0; i < count; i++) {
      out.push(toHex(bytes.subarray(at, at + FINGERPRINT_BYTES)) as Fingerprint);
      at += FINGERPRINT_BYTES;
    }
    return out;
  };
  const hosts = list(bytes[at++] ?? 0);
  const coHosts = hosts && at < bytes.length ? list(bytes[at++] ?? 0) : undefined;
  if (hosts === undefined || coHosts === undefined || at + 2 > bytes.length)
    return fail("truncated");
  const denyCount = view.getUint16(at);
  at += 2;
  const denyList = list(denyCount);
  if (denyList === undefined) return fail("truncated");
  if (at !== bytes.length) return fail("trailing bytes");
  const roles: MeetingRoles = {
    hosts,
    coHosts,
    denyList,
    inviteGeneration: view.getUint32(2),
    settings,
  };
  const problem = rolesProblem(roles);
  return problem === undefined ? { ok: true, roles } : fail(problem);
}

export function meetingRolesExtension(roles: MeetingRoles): Extension {
  return { extensionType: MEETING_ROLES_EXTENSION_TYPE, extensionData: encodeMeetingRoles(roles) };
}

/** The roles among GroupContext extensions if present exactly once and valid, else undefined. */
export function findMeetingRoles(extensions: readonly Extension[]): MeetingRoles | undefined {
  const found = extensions.filter((e) => e.extensionType === MEETING_ROLES_EXTENSION_TYPE);
  if (found.length !== 1 || found[0] === undefined) return undefined;
  const decoded = decodeMeetingRoles(found[0].extensionData);
  return decoded.ok ? decoded.roles : undefined;
}

export function sameRoles(a: MeetingRoles, b: MeetingRoles): boolean {
  return toHex(encodeMeetingRoles(a)) === toHex(encodeMeetingRoles(b));
}
