import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isE2eeError } from "../errors.ts";
import type { Roster } from "../mls/roster.ts";
import { type Fingerprint, fingerprintBytes } from "./fingerprint.ts";
import { promote, successorOf } from "./host-succession.ts";
import { foundingRoles, type MeetingRoles } from "./meeting-roles.ts";
import { applyRolesChange, isDone, mayChange, rolesChangeProblem } from "./roles-change.ts";

const fp = (n: number) => n.toString(16).padStart(2, "0").repeat(32) as Fingerprint;

/** Leaf i holds fp(fingerprints[i]). */
function roster(...fingerprints: number[]): Roster {
  return fingerprints.map((n, leafIndex) => ({
    leafIndex,
    deviceId: `d${n}`,
    signaturePublicKey: new Uint8Array(32),
    fingerprint: fingerprintBytes(fp(n)),
    hpkeKey: new Uint8Array(32),
    fromKeyPackage: false,
  }));
}

const roles: MeetingRoles = { ...foundingRoles(fp(1)), coHosts: [fp(2)] };
const everyone = roster(1, 2, 3);

describe("who may change roles and settings", () => {
  it("a host may change anything that leaves a present host and appoints members", () => {
    const transferred = applyRolesChange(roles, { kind: "transfer-host", from: fp(1), to: fp(3) });
    assert.deepEqual(transferred.hosts, [fp(3)]);
    assert.equal(rolesChangeProblem(roles, transferred, fp(1), everyone), undefined);
    const toStranger = applyRolesChange(roles, { kind: "transfer-host", from: fp(1), to: fp(9) });
    assert.match(rolesChangeProblem(roles, toStranger, fp(1), everyone) ?? "", /host/);
    const back = { ...roles, inviteGeneration: 0 };
    assert.match(
      rolesChangeProblem({ ...roles, inviteGeneration: 2 }, back, fp(1), everyone) ?? "",
      /generation/,
    );
  });

  it("a co-host moderates (settings, denials) but cannot appoint or lift a denial", () => {
    const locked = applyRolesChange(roles, { kind: "set-locked", locked: true });
    assert.equal(rolesChangeProblem(roles, locked, fp(2), everyone), undefined);
    const denied = applyRolesChange(roles, { kind: "deny", fingerprint: fp(7) });
    assert.equal(rolesChangeProblem(roles, denied, fp(2), everyone), undefined);
    assert.ok(rolesChangeProblem(denied, roles, fp(2), everyone), "lifting a denial");
    const appointed = applyRolesChange(roles, { kind: "co-host", fingerprint: fp(3), on: true });
    assert.ok(rolesChangeProblem(roles, appointed, fp(2), everyone));
    assert.equal(mayChange("co-host", { kind: "set-locked", locked: true }), true);
    assert.equal(mayChange("co-host", { kind: "co-host", fingerprint: fp(3), on: true }), false);
    assert.equal(mayChange("member", { kind: "set-locked", locked: false }), false);
  });

  it("only a host blocks: deny and raise the invite generation by exactly one", () => {
    const block = { kind: "block", fingerprint: fp(3), generation: 1 } as const;
    const blocked = applyRolesChange(roles, block);
    assert.deepEqual(blocked.denyList, [fp(3)]);
    assert.equal(blocked.inviteGeneration, 1);
    const gone = roster(1, 2);
    assert.equal(rolesChangeProblem(roles, blocked, fp(1), gone), undefined);
    assert.match(rolesChangeProblem(roles, blocked, fp(1), everyone) ?? "", /still here/);
    assert.match(rolesChangeProblem(roles, blocked, fp(2), gone) ?? "", /co-host/);
    assert.equal(mayChange("co-host", block), false);
    const skipped = { ...blocked, inviteGeneration: 2 };
    assert.match(rolesChangeProblem(roles, skipped, fp(1), gone) ?? "", /skipped/);
    assert.equal(isDone(blocked, block), true);
    assert.equal(isDone({ ...roles, denyList: [fp(3)] }, block), false, "denied, not replaced");
  });

  it("a member may change nothing while a host is present", () => {
    const locked = applyRolesChange(roles, { kind: "set-locked", locked: true });
    assert.ok(rolesChangeProblem(roles, locked, fp(3), everyone));
  });

  it("changes that break the rules are misuse", () => {
    const misuse = (run: () => unknown) =>
      assert.throws(run, (e: unknown) => isE2eeError(e) && e.code === "E2EE_USAGE");
    misuse(() => applyRolesChange(roles, { kind: "deny", fingerprint: fp(1) }));
    misuse(() => applyRolesChange(roles, { kind: "co-host", fingerprint: fp(1), on: true }));
    misuse(() => applyRolesChange(roles, { kind: "transfer-host", from: fp(3), to: fp(2) }));
  });
});

describe("host succession", () => {
  it("nobody succeeds while a host is present", () => {
    assert.equal(successorOf(roles, everyone), undefined);
  });

  it("the co-host at the lowest leaf succeeds, else the member at the lowest leaf", () => {
    assert.equal(successorOf(roles, roster(3, 2)), fp(2), "the co-host, though at leaf 1");
    assert.equal(successorOf(foundingRoles(fp(1)), roster(5, 3, 4)), fp(5));
  });

  it("a deny-listed member never succeeds", () => {
    const denied = { ...foundingRoles(fp(1)), denyList: [fp(5)] };
    assert.equal(successorOf(denied, roster(5, 3)), fp(3));
  });

  it("the promotion makes the successor the one host, and a member may commit exactly it", () => {
    const left = roster(3, 2);
    const promoted = promote(roles, fp(2));
    assert.deepEqual(promoted.hosts, [fp(2)]);
    assert.deepEqual(promoted.coHosts, []);
    assert.equal(rolesChangeProblem(roles, promoted, fp(3), left), undefined);
    assert.ok(rolesChangeProblem(roles, promote(roles, fp(3)), fp(3), left));
  });
});
