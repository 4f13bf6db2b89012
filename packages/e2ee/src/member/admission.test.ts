// Admission through the engine and the in-memory Delivery Service: who gets in, who waits for a
// host, who never gets in, and that members converge on one group and one set of roles.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toBase64url } from "@conclave/protocol";
import { parseFingerprint } from "../admission/fingerprint.ts";
import { deriveInviteKeys, type InviteKeys } from "../admission/invite-keys.ts";
import { loadMlsCiphersuite } from "../mls/ciphersuite.ts";
import { createDeviceIdentity } from "../mls/credential.ts";
import { TestMeeting, type TestParticipant } from "../testing/test-meeting.ts";
import type { SecurityEvent } from "./events.ts";

async function otherKeys(): Promise<InviteKeys> {
  const keys = await deriveInviteKeys(toBase64url(new Uint8Array(32).fill(0x5a)));
  assert.ok(keys);
  return keys;
}

async function meetingOf(names: readonly string[]): Promise<TestMeeting> {
  const meeting = new TestMeeting();
  for (const name of names) await meeting.connect(name);
  await meeting.converge(10_000);
  return meeting;
}

function get(meeting: TestMeeting, name: string): TestParticipant {
  const p = meeting.participants.get(name);
  assert.ok(p, name);
  return p;
}

function securityLog(p: TestParticipant): SecurityEvent[] {
  const log: SecurityEvent[] = [];
  p.member.on("security", (e) => log.push(e));
  return log;
}

/** The members other than `outsiders` converge; the outsiders are still outside. */
async function convergeWithout(meeting: TestMeeting, outsiders: TestParticipant[], ms: number) {
  for (const o of outsiders) meeting.participants.delete(o.name);
  await meeting.converge(ms);
  for (const o of outsiders) {
    assert.equal(o.member.joined, false, `${o.name} is not a member`);
    for (const p of meeting.present) {
      assert.ok(!p.member.roster.some((r) => r.displayName === o.name));
    }
    meeting.participants.set(o.name, o);
  }
}

describe("admission by the members", () => {
  it("a participant without the secret is never added; the members converge without it", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy"]);
    const logs = ["ada", "bob", "cy"].map((n) => securityLog(get(meeting, n)));
    const knock = await meeting.connect("knock", {
      admission: { kind: "knock", pinnedHost: undefined },
    });
    const forger = await meeting.connect("forger", {
      admission: { kind: "invite", keys: await otherKeys() },
    });
    await meeting.advance(60_000);
    await convergeWithout(meeting, [knock, forger], 10_000);
    assert.equal(get(meeting, "ada").member.roster.length, 3);
    for (const log of logs) {
      assert.ok(
        log.some((e) => e.reason === "proof-invalid"),
        "every member logs the forger's proof",
      );
      assert.ok(log.every((e) => e.detail.length > 0 && e.fingerprint?.match(/^[0-9a-f ]+$/)));
    }
    meeting.close();
  });

  it("the host admits a knock from the lobby; a knock link pinning the host accepts it", async () => {
    const meeting = await meetingOf(["ada", "bob"]);
    const ada = get(meeting, "ada");
    const adaFingerprint = ada.member.roster.find((r) => r.self)?.fingerprint ?? "";
    const pinned = parseFingerprint(adaFingerprint);
    const knock = await meeting.connect("knock", {
      admission: { kind: "knock", pinnedHost: pinned },
    });
    await meeting.advance(5000);
    assert.equal(knock.member.joined, false, "a knock waits for a host");
    assert.equal(await get(meeting, "bob").admit(knock), false, "bob is no host");
    assert.equal(await ada.admit(knock), true);
    await meeting.converge(10_000);
    assert.equal(knock.member.roster.length, 3);
    for (const p of meeting.present) assert.deepEqual(p.errors, [], p.name);
    meeting.close();
  });

  it("a knock never founds a group: it waits, and the host who founds admits it", async () => {
    const meeting = new TestMeeting();
    const knock = await meeting.connect("knock", {
      admission: { kind: "knock", pinnedHost: undefined },
    });
    await meeting.advance(1000);
    assert.equal(knock.member.status, "joining");
    const ada = await meeting.connect("ada");
    await meeting.advance(3000);
    assert.equal(ada.member.roster.length, 1, "nobody adds a knock on its own");
    assert.equal(await ada.admit(knock), true);
    await meeting.converge(10_000);
    meeting.close();
  });

  it("a group made by someone without the admit key is refused by a joiner with the secret", async () => {
    const meeting = new TestMeeting();
    // The "server" founds the group first, with keys of another secret, then admits as its host.
    const fake = await meeting.connect("fake", {
      admission: { kind: "invite", keys: await otherKeys() },
    });
    const ada = await meeting.connect("ada");
    const log = securityLog(ada);
    await meeting.advance(3000);
    assert.equal(fake.member.roster.length, 1, "ada's proof does not verify for the fake host");
    assert.equal(await fake.admit(ada), true);
    await meeting.advance(3000);
    assert.equal(ada.member.joined, false);
    assert.ok(log.some((e) => e.reason === "welcome-tag-invalid"));
    meeting.close();
  });
});

describe("roles and settings through the engine", () => {
  it("a locked meeting keeps even invited joiners out until it is unlocked", async () => {
    const meeting = await meetingOf(["ada", "bob"]);
    const ada = get(meeting, "ada").member;
    assert.equal(await get(meeting, "bob").member.setLocked(true), false, "bob is no host");
    assert.equal(await ada.setLocked(true), true);
    await meeting.until(
      () => meeting.present.every((p) => p.member.roles?.settings.locked === true),
      5000,
    );
    const cy = await meeting.connect("cy");
    await meeting.advance(30_000);
    assert.equal(cy.member.joined, false, "locked");
    assert.equal(await ada.setLocked(false), true);
    await meeting.converge(10_000);
    assert.equal(ada.roster.length, 3);
    meeting.close();
  });

  it("a waiting joiner's name reaches the members holding the secret, sealed; a knock's upload has none", async () => {
    const meeting = await meetingOf(["ada"]);
    const ada = get(meeting, "ada");
    const kim = await meeting.connect("kim", {
      admission: { kind: "knock", pinnedHost: undefined },
    });
    const uploads: { participantId: string; claimedName: string | undefined }[] = [];
    const kimUploads: (string | undefined)[] = [];
    ada.member.on("upload", (u) => uploads.push(u));
    assert.equal(await ada.admit(kim), true);
    await meeting.converge(10_000);
    kim.member.on("upload", (u) => kimUploads.push(u.claimedName));
    assert.equal(await ada.member.setLobby({ lobbyMandatory: true, knockingEnabled: true }), true);
    await meeting.until(() => kim.member.roles?.settings.lobbyMandatory === true, 5000);
    const cy = await meeting.connect("cy");
    const knocker = await meeting.connect("knocker", {
      admission: { kind: "knock", pinnedHost: undefined },
    });
    await meeting.advance(1000);
    const byId = (id: string) => uploads.find((u) => u.participantId === id);
    assert.equal(byId(cy.id)?.claimedName, "cy", "the host reads the sealed name");
    assert.ok(byId(knocker.id), "the knock's upload is seen");
    assert.equal(byId(knocker.id)?.claimedName, undefined, "a knock seals no name");
    assert.deepEqual(kimUploads, [undefined, undefined], "a lobby admit has no key to open it");
    meeting.close();
  });

  it("a denied device is removed at once and never added again", async () => {
    const meeting = await meetingOf(["ada", "bob"]);
    const identity = await createDeviceIdentity(
      { displayName: "cy", deviceId: "cy-device" },
      await loadMlsCiphersuite(),
    );
    const cy = await meeting.connect("cy", { identity });
    await meeting.converge(10_000);
    const ada = get(meeting, "ada");
    const log = securityLog(ada);
    const cyFingerprint = cy.member.roster.find((r) => r.self)?.fingerprint ?? "";
    assert.equal(await ada.member.deny(cyFingerprint), true);
    await meeting.until(() => cy.member.status === "removed", 5000, "cy removed");
    await meeting.leave("cy");
    cy.member.close();
    await meeting.converge(10_000);
    // The same device comes back with the secret: refused by the deny-list.
    await meeting.connect("cy", { identity });
    await meeting.advance(10_000);
    assert.equal(get(meeting, "cy").member.joined, false);
    assert.ok(log.some((e) => e.reason === "deny-listed"));
    meeting.close();
  });

  it("remove and block replaces the invite secret: the old one no longer admits, the new one does", async () => {
    const meeting = await meetingOf(["ada", "bob"]);
    const ada = get(meeting, "ada");
    const kim = await meeting.connect("kim", {
      admission: { kind: "knock", pinnedHost: undefined },
    });
    assert.equal(await ada.admit(kim), true);
    const cy = await meeting.connect("cy");
    await meeting.converge(10_000);
    const replaced = new Map<string, { generation: number; secret: string }[]>();
    for (const p of meeting.present) {
      const seen: { generation: number; secret: string }[] = [];
      p.member.on("invite-replaced", (e) => seen.push(e));
      replaced.set(p.name, seen);
    }
    const cyFingerprint = cy.member.roster.find((r) => r.self)?.fingerprint ?? "";
    assert.equal(await get(meeting, "bob").member.block(cyFingerprint), false, "bob is no host");
    assert.equal(await ada.member.block(cyFingerprint), true);
    await meeting.until(() => cy.member.status === "removed", 5000, "cy removed");
    await meeting.leave("cy");
    await meeting.converge(10_000);

    const [adaSeen, bobSeen] = [replaced.get("ada"), replaced.get("bob")];
    assert.equal(adaSeen?.length, 1);
    assert.equal(adaSeen?.[0]?.generation, 1);
    assert.deepEqual(bobSeen, adaSeen, "every holder of the secret derives the same new one");
    assert.notEqual(adaSeen?.[0]?.secret, meeting.secret);
    assert.deepEqual(replaced.get("kim"), [], "a lobby admit never learns the secret");
    assert.deepEqual(replaced.get("cy"), [], "the blocked device is out before the new epoch");
    assert.equal(ada.member.roles?.inviteGeneration, 1);

    // A new device with the old link is refused (its proof is for the old key)...
    const logs = ["ada", "bob"].map((n) => securityLog(get(meeting, n)));
    const old = await meeting.connect("old");
    await meeting.advance(30_000);
    assert.equal(old.member.joined, false, "the old secret no longer admits");
    for (const log of logs) assert.ok(log.some((e) => e.reason === "proof-invalid"));
    await meeting.leave("old");
    old.member.close();
    // ...and one with the new link gets in, and takes part in the next replacement.
    const { roomId } = await meeting.inviteKeys();
    const keys = await deriveInviteKeys(adaSeen?.[0]?.secret ?? "", roomId);
    assert.ok(keys);
    await meeting.connect("dee", { admission: { kind: "invite", keys } });
    await meeting.converge(10_000);
    for (const p of meeting.present) assert.deepEqual(p.errors, [], p.name);
    meeting.close();
  });

  it("co-host and host hand-over converge; when the last host leaves, the successor is promoted", async () => {
    const meeting = await meetingOf(["ada", "bob", "cy", "dee"]);
    const fingerprintOf = (name: string) =>
      get(meeting, name).member.roster.find((r) => r.self)?.fingerprint ?? "";
    const ada = get(meeting, "ada").member;
    assert.equal(await ada.makeCoHost(fingerprintOf("cy"), true), true);
    await meeting.until(() => rolesOf(meeting, "bob").includes("co-host"), 5000, "co-host");
    assert.equal(await get(meeting, "cy").member.makeCoHost(fingerprintOf("bob"), true), false);
    await meeting.leave("ada");
    ada.close();
    // Cy, the co-host, succeeds though Bob sits at a lower leaf (host-succession.ts).
    await meeting.until(
      () => rolesOf(meeting, "bob") === "bob:member,cy:host,dee:member",
      40_000,
      "promotion",
    );
    await meeting.converge(10_000);
    const cy = get(meeting, "cy").member;
    assert.equal(await cy.transferHost(fingerprintOf("dee")), true);
    await meeting.until(
      () => rolesOf(meeting, "bob") === "bob:member,cy:member,dee:host",
      5000,
      "hand-over",
    );
    await meeting.converge(10_000);
    const all = new Set(meeting.present.map((p) => rolesOf(meeting, p.name)));
    assert.equal(all.size, 1, "every member holds the same roles");
    for (const p of meeting.present) assert.deepEqual(p.errors, [], p.name);
    meeting.close();
  });
});

function rolesOf(meeting: TestMeeting, viewer: string): string {
  return get(meeting, viewer)
    .member.roster.map((r) => `${r.displayName}:${r.role}`)
    .join(",");
}
