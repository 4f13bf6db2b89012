import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isE2eeError } from "../errors.ts";
import type { Fingerprint } from "./fingerprint.ts";
import { parseFingerprint } from "./fingerprint.ts";
import {
  decodeMeetingRoles,
  encodeMeetingRoles,
  findMeetingRoles,
  foundingRoles,
  MEETING_ROLES_EXTENSION_TYPE,
  type MeetingRoles,
  meetingRolesExtension,
  roleOf,
} from "./meeting-roles.ts";

const fp = (n: number) => n.toString(16).padStart(2, "0").repeat(32) as Fingerprint;

const full: MeetingRoles = {
  hosts: [fp(1), fp(2)],
  coHosts: [fp(3)],
  settings: { lobbyMandatory: true, knockingEnabled: false, locked: true },
  denyList: [fp(9), fp(10)],
  inviteGeneration: 7,
};

describe("meeting roles extension", () => {
  it("round-trips the founding roles and a full set", () => {
    for (const roles of [foundingRoles(fp(5)), full]) {
      const decoded = decodeMeetingRoles(encodeMeetingRoles(roles));
      assert.ok(decoded.ok);
      assert.deepEqual(decoded.roles, roles);
    }
  });

  it("the founding roles: the creator is the one host, knocking on, nothing locked", () => {
    const roles = foundingRoles(fp(5));
    assert.equal(roleOf(roles, fp(5)), "host");
    assert.equal(roleOf(roles, fp(6)), "member");
    assert.deepEqual(roles.settings, {
      lobbyMandatory: false,
      knockingEnabled: true,
      locked: false,
    });
    // version 1 | flags (knocking) | generation 0 | 1 host | fp | 0 co-hosts | 0 denied
    const bytes = encodeMeetingRoles(roles);
    assert.deepEqual([...bytes.subarray(0, 7)], [1, 0x02, 0, 0, 0, 0, 1]);
    assert.equal(bytes.length, 42);
  });

  it("has one encoding: lists are sorted on encoding, and an unsorted list does not decode", () => {
    const shuffled = { ...full, hosts: [fp(2), fp(1)], denyList: [fp(10), fp(9)] };
    assert.deepEqual(encodeMeetingRoles(shuffled), encodeMeetingRoles(full));
    const bytes = encodeMeetingRoles(full);
    const swapped = Uint8Array.of(...bytes);
    swapped.set(bytes.subarray(7, 39), 39);
    swapped.set(bytes.subarray(39, 71), 7);
    assert.equal(decodeMeetingRoles(swapped).ok, false);
  });

  it("refuses malformed bytes and broken rules with a reason, never a throw", () => {
    const bytes = encodeMeetingRoles(full);
    const edit = (at: number, value: number) => {
      const out = Uint8Array.of(...bytes);
      out[at] = value;
      return out;
    };
    const cases: [string, Uint8Array][] = [
      ["empty", new Uint8Array()],
      ["version 2", edit(0, 2)],
      ["unknown flag", edit(1, 0x08)],
      ["no host", encodeRoleBytes(0)],
      ["truncated", bytes.subarray(0, bytes.length - 1)],
      ["trailing byte", Uint8Array.of(...bytes, 0)],
    ];
    for (const [what, input] of cases) assert.equal(decodeMeetingRoles(input).ok, false, what);
    // a host who is also a co-host, and a host on the deny-list
    const overlap = Uint8Array.of(...bytes);
    overlap.set(bytes.subarray(7, 39), 72);
    assert.equal(decodeMeetingRoles(overlap).ok, false, "host and co-host");
  });

  it("the encoder refuses roles that break the rules", () => {
    const misuse = (roles: MeetingRoles) =>
      assert.throws(
        () => encodeMeetingRoles(roles),
        (e: unknown) => isE2eeError(e) && e.code === "E2EE_USAGE",
      );
    misuse({ ...full, hosts: [] });
    misuse({ ...full, coHosts: [fp(1)] });
    misuse({ ...full, denyList: [fp(3)] });
    misuse({ ...full, inviteGeneration: -1 });
  });

  it("is found among extensions only once and valid", () => {
    const ext = meetingRolesExtension(full);
    assert.equal(ext.extensionType, MEETING_ROLES_EXTENSION_TYPE);
    assert.deepEqual(findMeetingRoles([ext]), full);
    assert.equal(findMeetingRoles([ext, ext]), undefined);
    assert.equal(findMeetingRoles([]), undefined);
  });

  it("parses fingerprints as the roster shows them", () => {
    const shown = "3FA2 09bc ".repeat(8).trim();
    assert.equal(parseFingerprint(shown), "3fa209bc".repeat(8));
    assert.equal(parseFingerprint("3fa2"), undefined);
    assert.equal(parseFingerprint("zz".repeat(32)), undefined);
  });
});

/** version 1, no flags, generation 0, `hosts` hosts (none given), no co-hosts, no denials */
function encodeRoleBytes(hosts: number): Uint8Array {
  return Uint8Array.of(1, 0, 0, 0, 0, 0, hosts, 0, 0, 0);
}
