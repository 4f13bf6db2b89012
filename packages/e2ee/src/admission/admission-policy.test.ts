// Admission and roles rules on real ts-mls groups: every member of a meeting checks each commit.
// Commits that break a rule are made with ts-mls directly (a misbehaving client skips its own
// checks); each must be refused by every other member with the typed reason.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toBase64url } from "@conclave/protocol";
import { createCommit, encodeMlsMessage, type Proposal } from "ts-mls";
import { isE2eeError } from "../errors.ts";
import { loadMlsCiphersuite } from "../mls/ciphersuite.ts";
import { addMembers, commitRoles, removeMembers } from "../mls/commits.ts";
import { createDeviceIdentity, type DeviceIdentity, fingerprintOf } from "../mls/credential.ts";
import { groupPinExtension } from "../mls/group-pin.ts";
import { processIncoming } from "../mls/incoming.ts";
import { type KeyPackageBundle, keyPackageRef, makeKeyPackage } from "../mls/key-package.ts";
import { MlsPolicyRefusedError } from "../mls/policy.ts";
import { createMeeting, type MlsSession } from "../mls/session.ts";
import { joinFromWelcome } from "../mls/welcome.ts";
import { admissionCommitOptions } from "./admission-add.ts";
import { type Admission, admissionPolicy } from "./admission-policy.ts";
import { makeAdmissionProof } from "./admission-proof.ts";
import { type Fingerprint, fingerprintFromBytes } from "./fingerprint.ts";
import { deriveInviteKeys, type InviteKeys } from "./invite-keys.ts";
import { type MeetingRoles, meetingRolesExtension } from "./meeting-roles.ts";
import { encodeRefMacList } from "./ref-mac-list.ts";
import type { RefusalReason } from "./refusal.ts";
import { applyRolesChange } from "./roles-change.ts";

const suite = await loadMlsCiphersuite();

async function inviteKeys(fill: number): Promise<InviteKeys> {
  const keys = await deriveInviteKeys(toBase64url(new Uint8Array(32).fill(fill)));
  assert.ok(keys);
  return keys;
}

const keys = await inviteKeys(1);
const invited = admissionPolicy(() => ({ kind: "invite", keys }));

async function device(name: string): Promise<DeviceIdentity> {
  return createDeviceIdentity({ displayName: name, deviceId: name }, suite);
}

async function fingerprint(d: DeviceIdentity): Promise<Fingerprint> {
  return fingerprintFromBytes(await fingerprintOf(d.signaturePublicKey));
}

/** A joiner's fresh KeyPackage and its proof with `withKeys` (the meeting's by default). */
async function joiner(name: string, withKeys: InviteKeys = keys) {
  const identity = await device(name);
  const bundle = await makeKeyPackage(identity, suite);
  const proof = await makeAdmissionProof(
    withKeys,
    await keyPackageRef(bundle.publicPackage, suite),
  );
  return { identity, bundle, proof };
}

/** The commit a client that skips its own checks would send (ts-mls only). */
async function rawCommit(
  session: MlsSession,
  proposals: Proposal[],
  authenticatedData: Uint8Array = new Uint8Array(),
): Promise<Uint8Array> {
  const result = await createCommit(
    { state: session.state, cipherSuite: session.suite },
    {
      wireAsPublicMessage: true,
      extraProposals: proposals,
      ratchetTreeExtension: true,
      authenticatedData,
    },
  );
  return encodeMlsMessage(result.commit);
}

const add = (bundle: KeyPackageBundle): Proposal => ({
  proposalType: "add",
  add: { keyPackage: bundle.publicPackage },
});

async function proofData(bundle: KeyPackageBundle, proof: Uint8Array): Promise<Uint8Array> {
  return encodeRefMacList([{ ref: await keyPackageRef(bundle.publicPackage, suite), mac: proof }]);
}

async function refusedBy(session: MlsSession, commit: Uint8Array, reason: RefusalReason) {
  await assert.rejects(processIncoming(session, commit), (error: unknown) => {
    assert.ok(error instanceof MlsPolicyRefusedError, String(error));
    assert.equal(error.code, "MLS_POLICY_REFUSED");
    assert.equal(error.refusal?.reason, reason, error.message);
    return true;
  });
}

/** Alice founds (host); Bob and Carol join with proofs. Returns the three sessions. */
async function meeting(policy = invited) {
  const alice = await device("alice");
  let a = (await createMeeting(alice, { policy })).session;
  const joined: MlsSession[] = [];
  const others: DeviceIdentity[] = [];
  for (const name of ["bob", "carol"]) {
    const j = await joiner(name);
    const options = await admissionCommitOptions(a, keys, [
      { bytes: j.bundle.encoded, proof: j.proof },
    ]);
    const made = await addMembers(a, [j.bundle.encoded], options);
    for (let i = 0; i < joined.length; i++) {
      const current = joined[i];
      assert.ok(current);
      joined[i] = (await processIncoming(current, made.commit)).session;
    }
    a = made.session;
    joined.push((await joinFromWelcome(j.bundle, made.welcome, { policy })).session);
    others.push(j.identity);
  }
  const [b, c] = joined;
  const [bob, carol] = others;
  assert.ok(b && c && bob && carol);
  return { a, b, c, alice, bob, carol };
}

/** Applies `commit` (made by `from`) at every other session; returns them advanced. */
async function everyone(commit: Uint8Array, ...sessions: MlsSession[]) {
  return Promise.all(sessions.map(async (s) => (await processIncoming(s, commit)).session));
}

describe("admission proofs, checked by every member", () => {
  it("an Add by a non-host with a valid proof is accepted by every member", async () => {
    const { a, b, c } = await meeting();
    const dave = await joiner("dave");
    const options = await admissionCommitOptions(b, keys, [
      { bytes: dave.bundle.encoded, proof: dave.proof },
    ]);
    const made = await addMembers(b, [dave.bundle.encoded], options);
    const [a2, c2] = await everyone(made.commit, a, c);
    const joined = await joinFromWelcome(dave.bundle, made.welcome, { policy: invited });
    for (const s of [a2, c2, joined.session]) assert.equal(s?.roster.length, 4);
  });

  it("an Add by a non-host with no proof, or a forged one, is refused by every member", async () => {
    const { a, b, c } = await meeting();
    const dave = await joiner("dave");
    const none = await rawCommit(b, [add(dave.bundle)]);
    const forged = await rawCommit(
      b,
      [add(dave.bundle)],
      await proofData(
        dave.bundle,
        dave.proof.map((x) => x ^ 1),
      ),
    );
    for (const member of [a, c]) {
      await refusedBy(member, none, "proof-missing");
      await refusedBy(member, forged, "proof-invalid");
    }
    // and Bob's own session refuses to make it
    await assert.rejects(addMembers(b, [dave.bundle.encoded]), MlsPolicyRefusedError);
  });

  it("a proof made for another room is refused", async () => {
    const { a, b, c } = await meeting();
    const dave = await joiner("dave", await inviteKeys(2));
    const commit = await rawCommit(b, [add(dave.bundle)], await proofData(dave.bundle, dave.proof));
    for (const member of [a, c]) await refusedBy(member, commit, "proof-invalid");
  });

  it("a proof for another KeyPackage does not carry over", async () => {
    const { a, b } = await meeting();
    const dave = await joiner("dave");
    const other = await joiner("eve");
    const commit = await rawCommit(
      b,
      [add(other.bundle)],
      encodeRefMacList([
        { ref: await keyPackageRef(other.bundle.publicPackage, suite), mac: dave.proof },
      ]),
    );
    await refusedBy(a, commit, "proof-invalid");
  });

  it("a KeyPackage already added once is refused when replayed, proof and all", async () => {
    const { a, b, c } = await meeting();
    const dave = await joiner("dave");
    const options = await admissionCommitOptions(b, keys, [
      { bytes: dave.bundle.encoded, proof: dave.proof },
    ]);
    const added = await addMembers(b, [dave.bundle.encoded], options);
    const [a2, c2] = await everyone(added.commit, a, c);
    assert.ok(a2 && c2);
    const daveLeaf = added.session.roster.length - 1;
    const removed = await removeMembers(added.session, [daveLeaf]);
    const [a3, c3] = await everyone(removed.commit, a2, c2);
    assert.ok(a3 && c3);
    const replay = await rawCommit(
      removed.session,
      [add(dave.bundle)],
      await proofData(dave.bundle, dave.proof),
    );
    for (const member of [a3, c3]) await refusedBy(member, replay, "key-package-replayed");
  });

  it("an Add by the host needs no proof: a lobby admission", async () => {
    const { a, b, c } = await meeting();
    const erin = await joiner("erin");
    const made = await addMembers(a, [erin.bundle.encoded]);
    const [b2, c2] = await everyone(made.commit, b, c);
    assert.equal(b2?.roster.length, 4);
    assert.equal(c2?.roster.length, 4);
  });
});

describe("roles and settings in the group context", () => {
  it("the founder is the one host; every member holds the same roles", async () => {
    const { a, b, c, alice } = await meeting();
    for (const s of [a, b, c]) assert.deepEqual(s.roles.hosts, [await fingerprint(alice)]);
  });

  it("a settings change by a non-host is refused by every member", async () => {
    const { a, b, c } = await meeting();
    const locked = applyRolesChange(b.roles, { kind: "set-locked", locked: true });
    const commit = await rawCommit(b, [gce(b, locked)]);
    for (const member of [a, c]) await refusedBy(member, commit, "not-authorized");
    await assert.rejects(commitRoles(b, locked), MlsPolicyRefusedError);
  });

  it("extensions beyond the pin and the roles are refused, even from the host", async () => {
    const { a, b } = await meeting();
    const commit = await rawCommit(a, [
      {
        proposalType: "group_context_extensions",
        groupContextExtensions: {
          extensions: [
            groupPinExtension(),
            meetingRolesExtension(a.roles),
            { extensionType: 0xf0ff, extensionData: new Uint8Array(1) },
          ],
        },
      },
    ]);
    await refusedBy(b, commit, "roles-invalid");
  });

  it("while locked, an Add with a valid proof is refused, and so is the host's own", async () => {
    const { a, b, c } = await meeting();
    const lock = await commitRoles(
      a,
      applyRolesChange(a.roles, { kind: "set-locked", locked: true }),
    );
    const [b2, c2] = await everyone(lock.commit, b, c);
    assert.ok(b2 && c2);
    assert.equal(b2.roles.settings.locked, true);
    const dave = await joiner("dave");
    const byBob = await rawCommit(b2, [add(dave.bundle)], await proofData(dave.bundle, dave.proof));
    await refusedBy(lock.session, byBob, "locked");
    await refusedBy(c2, byBob, "locked");
    const byHost = await rawCommit(lock.session, [add(dave.bundle)]);
    await refusedBy(b2, byHost, "locked");
  });

  it("an Add of a deny-listed device is refused, even with a valid proof", async () => {
    const { a, b, c } = await meeting();
    const dave = await joiner("dave");
    const deny = await commitRoles(
      a,
      applyRolesChange(a.roles, { kind: "deny", fingerprint: await fingerprint(dave.identity) }),
    );
    const [b2, c2] = await everyone(deny.commit, b, c);
    assert.ok(b2 && c2);
    const commit = await rawCommit(
      b2,
      [add(dave.bundle)],
      await proofData(dave.bundle, dave.proof),
    );
    for (const member of [deny.session, c2]) await refusedBy(member, commit, "deny-listed");
  });

  it("while the lobby is mandatory, a proof is not enough: only a host admits", async () => {
    const { a, b, c } = await meeting();
    const lobby = await commitRoles(
      a,
      applyRolesChange(a.roles, { kind: "set-lobby", lobbyMandatory: true, knockingEnabled: true }),
    );
    const [b2, c2] = await everyone(lobby.commit, b, c);
    assert.ok(b2 && c2);
    const dave = await joiner("dave");
    const byBob = await rawCommit(b2, [add(dave.bundle)], await proofData(dave.bundle, dave.proof));
    await refusedBy(c2, byBob, "lobby-mandatory");
    const byHost = await addMembers(lobby.session, [dave.bundle.encoded]);
    await everyone(byHost.commit, b2, c2);
  });

  it("a co-host may lock and deny, but not appoint", async () => {
    const { a, b, c, carol, bob } = await meeting();
    const appoint = await commitRoles(
      a,
      applyRolesChange(a.roles, {
        kind: "co-host",
        fingerprint: await fingerprint(carol),
        on: true,
      }),
    );
    const [b2, c2] = await everyone(appoint.commit, b, c);
    assert.ok(b2 && c2);
    const lock = await commitRoles(
      c2,
      applyRolesChange(c2.roles, { kind: "set-locked", locked: true }),
    );
    const [a3, b3] = await everyone(lock.commit, appoint.session, b2);
    assert.ok(a3 && b3);
    const bobCoHost = applyRolesChange(lock.session.roles, {
      kind: "co-host",
      fingerprint: await fingerprint(bob),
      on: true,
    });
    const commit = await rawCommit(lock.session, [gce(lock.session, bobCoHost)]);
    for (const member of [a3, b3]) await refusedBy(member, commit, "not-authorized");
  });

  it("when the last host leaves, only the promotion of the lowest-leaf member is accepted", async () => {
    const { a, b, c, bob, carol } = await meeting();
    // Before the host leaves, no member may promote anyone.
    const early = await rawCommit(c, [gce(c, { ...c.roles, hosts: [await fingerprint(bob)] })]);
    await refusedBy(b, early, "not-authorized");
    const gone = await removeMembers(b, [a.ownLeafIndex]);
    const [c2] = await everyone(gone.commit, c);
    assert.ok(c2);
    // Carol (leaf 2) promoting herself is refused; promoting Bob (leaf 1) is accepted.
    const wrong = await rawCommit(c2, [
      gce(c2, { ...c2.roles, hosts: [await fingerprint(carol)] }),
    ]);
    await refusedBy(gone.session, wrong, "not-authorized");
    const right = await commitRoles(c2, { ...c2.roles, hosts: [await fingerprint(bob)] });
    const [b3] = await everyone(right.commit, gone.session);
    assert.deepEqual(b3?.roles.hosts, [await fingerprint(bob)]);
    // The promotion must be exactly that: no setting may change with it.
    const more = await rawCommit(c2, [
      gce(c2, {
        ...c2.roles,
        hosts: [await fingerprint(bob)],
        settings: { ...c2.roles.settings, locked: true },
      }),
    ]);
    await refusedBy(gone.session, more, "not-authorized");
  });
});

describe("Welcome checks by the joiner", () => {
  it("a joiner with the secret refuses a Welcome with no valid tag for its KeyPackage", async () => {
    const { a } = await meeting();
    const dave = await joiner("dave");
    const untagged = await addMembers(a, [dave.bundle.encoded], {
      authenticatedData: await proofData(dave.bundle, dave.proof),
    });
    await refusedWelcome(
      dave.bundle,
      untagged.welcome,
      { kind: "invite", keys },
      "welcome-tag-invalid",
    );
    const wrongKeys = await admissionCommitOptions(a, await inviteKeys(3), [
      { bytes: dave.bundle.encoded, proof: dave.proof },
    ]);
    const mistagged = await addMembers(a, [dave.bundle.encoded], wrongKeys);
    await refusedWelcome(
      dave.bundle,
      mistagged.welcome,
      { kind: "invite", keys },
      "welcome-tag-invalid",
    );
  });

  it("a group the server made (its founder lacks the admit key) is refused", async () => {
    const server = await createMeeting(await device("server"));
    const dave = await joiner("dave");
    const options = await admissionCommitOptions(server.session, undefined, [
      { bytes: dave.bundle.encoded, proof: dave.proof },
    ]);
    const made = await addMembers(server.session, [dave.bundle.encoded], options);
    await refusedWelcome(
      dave.bundle,
      made.welcome,
      { kind: "invite", keys },
      "welcome-tag-invalid",
    );
  });

  it("a knock-link joiner accepts only a Welcome committed by the host its link pins", async () => {
    const { a, b, alice, bob } = await meeting();
    const erin = await joiner("erin");
    const byHost = await addMembers(a, [erin.bundle.encoded]);
    const pinAliceAdmission = { kind: "knock", pinnedHost: await fingerprint(alice) } as const;
    const pinAlice = admissionPolicy(() => pinAliceAdmission);
    const joined = await joinFromWelcome(erin.bundle, byHost.welcome, { policy: pinAlice });
    assert.equal(joined.session.roster.length, 4);
    // Pinned to Bob, who is no host: refused.
    const frank = await joiner("frank");
    const again = await addMembers(a, [frank.bundle.encoded]);
    const pinBob: Admission = { kind: "knock", pinnedHost: await fingerprint(bob) };
    await refusedWelcome(frank.bundle, again.welcome, pinBob, "host-not-pinned");
    // A member's Add (proof and all) is not the pinned host's.
    const gina = await joiner("gina");
    const options = await admissionCommitOptions(b, keys, [
      { bytes: gina.bundle.encoded, proof: gina.proof },
    ]);
    const byBob = await addMembers(b, [gina.bundle.encoded], options);
    const pinAliceAgain: Admission = { kind: "knock", pinnedHost: await fingerprint(alice) };
    await refusedWelcome(gina.bundle, byBob.welcome, pinAliceAgain, "host-not-pinned");
  });
});

function gce(session: MlsSession, roles: MeetingRoles): Proposal {
  return {
    proposalType: "group_context_extensions",
    groupContextExtensions: {
      extensions: [groupPinExtension(session.pin), meetingRolesExtension(roles)],
    },
  };
}

async function refusedWelcome(
  bundle: KeyPackageBundle,
  welcome: Uint8Array,
  admission: Admission,
  reason: RefusalReason,
) {
  await assert.rejects(
    joinFromWelcome(bundle, welcome, { policy: admissionPolicy(() => admission) }),
    (error: unknown) => {
      assert.ok(isE2eeError(error), String(error));
      assert.ok(error instanceof MlsPolicyRefusedError);
      assert.equal(error.refusal?.reason, reason);
      return true;
    },
  );
}
