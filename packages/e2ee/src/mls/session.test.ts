import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isE2eeError } from "../errors.ts";
import { toHex } from "../sframe/bytes.ts";
import { loadMlsCiphersuite } from "./ciphersuite.ts";
import { addMembers, removeMembers, selfUpdate } from "./commits.ts";
import { createDeviceIdentity, type DeviceIdentity } from "./credential.ts";
import { processIncoming } from "./incoming.ts";
import { makeKeyPackage } from "./key-package.ts";
import type { MlsPolicy } from "./policy.ts";
import {
  createMeeting,
  eraseConsumed,
  exportSecret,
  type MlsSession,
  ownCommitAccepted,
  sealApplicationMessage,
  sessionRestored,
} from "./session.ts";
import { joinFromWelcome } from "./welcome.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();

async function device(name: string): Promise<DeviceIdentity> {
  return createDeviceIdentity(
    { displayName: name, deviceId: `${name}-laptop` },
    await loadMlsCiphersuite(),
  );
}

/** `session` processes `message` and erases what that consumed, as the engine does. */
async function openErasing(session: MlsSession, message: Uint8Array) {
  const opened = await processIncoming(session, message);
  eraseConsumed(opened.consumed);
  return opened;
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isE2eeError(error), `expected an E2eeError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** A founder plus joiners added in one commit; returns every member's session. */
async function meeting(
  names: string[],
  policy?: MlsPolicy,
  authenticatedData?: Uint8Array,
): Promise<MlsSession[]> {
  const [first, ...rest] = names;
  const suite = await loadMlsCiphersuite();
  const founder = await createMeeting(await device(first ?? "alice"), policy ? { policy } : {});
  const bundles = await Promise.all(rest.map(async (n) => makeKeyPackage(await device(n), suite)));
  const add = await addMembers(
    founder.session,
    bundles.map((b) => b.encoded),
    authenticatedData ? { authenticatedData } : {},
  );
  const joined = await Promise.all(
    bundles.map(
      async (b) => (await joinFromWelcome(b, add.welcome, policy ? { policy } : {})).session,
    ),
  );
  return [add.session, ...joined];
}

async function exported(session: MlsSession): Promise<string> {
  const bytes = await exportSecret(session, "conclave test", new Uint8Array(), 32);
  return toHex(bytes);
}

describe("MLS session", () => {
  it("three or more members converge on epoch, exporter output, roster and security code", async () => {
    const suite = await loadMlsCiphersuite();
    let [alice, bob, carol] = await meeting(["alice", "bob", "carol"]);
    assert.ok(alice && bob && carol);
    const dave = await makeKeyPackage(await device("dave"), suite);
    const add = await addMembers(alice, [dave.encoded]);
    alice = add.session;
    bob = (await processIncoming(bob, add.commit)).session;
    carol = (await processIncoming(carol, add.commit)).session;
    const daveSession = (await joinFromWelcome(dave, add.welcome)).session;
    const all = [alice, bob, carol, daveSession];
    assert.deepEqual(new Set(all.map((s) => s.epoch)), new Set([2n]));
    assert.equal(new Set(await Promise.all(all.map(exported))).size, 1);
    assert.equal(new Set(all.map((s) => s.securityCode.digits)).size, 1);
    assert.match(alice.securityCode.digits, /^\d{5}( \d{5}){4}$/);
    assert.deepEqual(
      daveSession.roster.map((e) => [e.leafIndex, e.deviceId]),
      [
        [0, "alice-laptop"],
        [1, "bob-laptop"],
        [2, "carol-laptop"],
        [3, "dave-laptop"],
      ],
    );
  });

  it("a transition leaves the old session unchanged until its consumed secrets are erased", async () => {
    const suite = await loadMlsCiphersuite();
    const founder = await createMeeting(await device("alice"));
    const before = founder.session;
    const snapshot = {
      epoch: before.epoch,
      exporter: toHex(before.state.keySchedule.exporterSecret),
      init: toHex(before.state.keySchedule.initSecret),
      tree: before.state.ratchetTree.length,
      code: before.securityCode.digits,
    };
    const bob = await makeKeyPackage(await device("bob"), suite);
    const add = await addMembers(before, [bob.encoded]);
    assert.equal(before.epoch, snapshot.epoch);
    assert.equal(toHex(before.state.keySchedule.exporterSecret), snapshot.exporter);
    assert.equal(toHex(before.state.keySchedule.initSecret), snapshot.init);
    assert.equal(before.state.ratchetTree.length, snapshot.tree);
    assert.equal(before.securityCode.digits, snapshot.code);
    assert.equal(add.session.epoch, 1n);
    assert.ok(add.consumed.length > 0);
    eraseConsumed(add.consumed);
    assert.ok(add.consumed.every((secret) => secret.every((byte) => byte === 0)));
    // The new session does not depend on what was erased.
    const sealed = await sealApplicationMessage(add.session, utf8.encode("still works"));
    assert.ok(sealed.message.length > 0);
  });

  it("sessions keep working after every transition's consumed secrets are erased", async () => {
    const suite = await loadMlsCiphersuite();
    const founder = await createMeeting(await device("alice"));
    eraseConsumed(founder.consumed);
    const bobKp = await makeKeyPackage(await device("bob"), suite);
    const add = await addMembers(founder.session, [bobKp.encoded]);
    eraseConsumed(add.consumed);
    const joined = await joinFromWelcome(bobKp, add.welcome);
    eraseConsumed(joined.consumed);
    assert.ok(bobKp.privatePackage.initPrivateKey.every((byte) => byte === 0));
    let alice = add.session;
    let bob = joined.session;
    const update = await selfUpdate(bob);
    eraseConsumed(update.consumed);
    bob = update.session;
    const processed = await openErasing(alice, update.commit);
    alice = processed.session;
    for (let i = 0; i < 3; i++) {
      const sealed = await sealApplicationMessage(alice, utf8.encode(`m${i}`));
      eraseConsumed(sealed.consumed);
      alice = sealed.session;
      const opened = await openErasing(bob, sealed.message);
      bob = opened.session;
      assert.ok(opened.event.kind === "application" && text.decode(opened.event.data) === `m${i}`);
    }
    assert.equal(await exported(alice), await exported(bob));
  });

  it("application data round-trips with an authenticated sender", async () => {
    const [alice, bob] = await meeting(["alice", "bob"]);
    assert.ok(alice && bob);
    const sealed = await sealApplicationMessage(bob, utf8.encode("hello"));
    const opened = await processIncoming(alice, sealed.message);
    assert.equal(opened.event.kind, "application");
    if (opened.event.kind !== "application") return;
    assert.equal(text.decode(opened.event.data), "hello");
    assert.equal(opened.event.sender, 1);
  });

  it("a removed member cannot decrypt application messages sent after its removal", async () => {
    let [alice, bob, carol] = await meeting(["alice", "bob", "carol"]);
    assert.ok(alice && bob && carol);
    const carolBefore = carol;
    const remove = await removeMembers(alice, [2]);
    alice = remove.session;
    bob = (await processIncoming(bob, remove.commit)).session;
    const carolAfter = await processIncoming(carol, remove.commit);
    assert.equal(carolAfter.event.kind, "commit");
    assert.ok(carolAfter.event.kind === "commit" && carolAfter.event.removedUs);
    carol = carolAfter.session;
    assert.equal(carol.active, false);

    const sealed = await sealApplicationMessage(alice, utf8.encode("after removal"));
    const bobRead = await processIncoming(bob, sealed.message);
    assert.ok(bobRead.event.kind === "application");
    await rejectsWith(processIncoming(carol, sealed.message), "MLS_NOT_A_MEMBER");
    // Nor with the session from before the removal (it never processed the commit).
    await rejectsWith(processIncoming(carolBefore, sealed.message), "MLS_WRONG_EPOCH");
    assert.equal(alice.roster.length, 2);
    assert.notEqual(alice.securityCode.digits, carolBefore.securityCode.digits);
  });

  it("late application messages: kept from current members, refused from a removed one", async () => {
    let [alice, bob, carol] = await meeting(["alice", "bob", "carol"]);
    assert.ok(alice && bob && carol);
    const fromBob = await sealApplicationMessage(bob, utf8.encode("sent in epoch 1"));
    const fromCarol = await sealApplicationMessage(carol, utf8.encode("also epoch 1"));
    const remove = await removeMembers(alice, [2]);
    alice = remove.session;
    const late = await processIncoming(alice, fromBob.message);
    assert.ok(late.event.kind === "application" && late.event.epoch === 1n);
    await rejectsWith(processIncoming(alice, fromCarol.message), "MLS_POLICY_REFUSED");
  });

  // The engine adopts its own commit only when the server echoes it, and keeps opening the
  // epoch's messages (erasing what each consumed) while the commit is on its way.
  it("a late message of the epoch our own commit ended opens, after messages opened while it was in flight", async () => {
    let [alice, bob] = await meeting(["alice", "bob"]);
    assert.ok(alice && bob);
    const update = await selfUpdate(alice); // in flight
    const first = await sealApplicationMessage(bob, utf8.encode("while in flight"));
    bob = first.session;
    const opened = await openErasing(alice, first.message);
    alice = opened.session;
    const late = await sealApplicationMessage(bob, utf8.encode("sent before the commit came"));
    const accepted = ownCommitAccepted(update, alice); // the echo
    eraseConsumed(accepted.consumed);
    alice = accepted.session;
    const read = await processIncoming(alice, late.message);
    assert.ok(read.event.kind === "application" && read.event.epoch === 1n);
    assert.equal(text.decode(read.event.data), "sent before the commit came");
  });

  it("back in the epoch before a rolled-back commit, the next message of that epoch opens after late ones did", async () => {
    let [alice, bob] = await meeting(["alice", "bob"]);
    assert.ok(alice && bob);
    const kept = alice;
    const update = await selfUpdate(bob);
    const applied = await processIncoming(alice, update.commit); // later withdrawn
    alice = applied.session;
    const late = await sealApplicationMessage(bob, utf8.encode("late"));
    bob = late.session;
    const opened = await openErasing(alice, late.message);
    alice = opened.session;
    const next = await sealApplicationMessage(bob, utf8.encode("after the rollback"));
    const read = await processIncoming(sessionRestored(kept, alice), next.message);
    assert.ok(read.event.kind === "application" && read.event.epoch === 1n);
    assert.equal(text.decode(read.event.data), "after the rollback");
  });

  it("an epoch past the retention has its receiving secrets erased; a late message of a kept one still opens", async () => {
    let [alice, bob] = await meeting(["alice", "bob"]);
    assert.ok(alice && bob);
    const first = alice.epoch;
    const late = await sealApplicationMessage(bob, utf8.encode("from the first epoch"));
    bob = late.session;
    let firstTree: Uint8Array[] = [];
    let dropped = false;
    let lastLate = late;
    for (let i = 0; i < 8 && !dropped; i++) {
      lastLate = await sealApplicationMessage(bob, utf8.encode(`late in round ${i}`));
      bob = lastLate.session;
      const update = await selfUpdate(bob);
      bob = update.session;
      const applied = await openErasing(alice, update.commit);
      alice = applied.session;
      const kept = alice.state.historicalReceiverData.get(first);
      if (kept !== undefined) {
        firstTree = kept.secretTree.flatMap((node) => [
          node.application.secret,
          node.handshake.secret,
        ]);
      } else dropped = firstTree.length > 0;
    }
    assert.ok(dropped, "the first epoch left the late-message state");
    assert.ok(
      firstTree.every((secret) => secret.every((byte) => byte === 0)),
      "and its secrets were zeroed",
    );
    await rejectsWith(processIncoming(alice, late.message), "MLS_WRONG_EPOCH");
    const kept = await processIncoming(alice, lastLate.message);
    assert.ok(kept.event.kind === "application" && kept.event.epoch === alice.epoch - 1n);
  });

  it("self-update keeps the security code; add and remove change it", async () => {
    const suite = await loadMlsCiphersuite();
    let [alice, bob] = await meeting(["alice", "bob"]);
    assert.ok(alice && bob);
    const codeAfterAdd = alice.securityCode.digits;
    assert.equal(bob.securityCode.digits, codeAfterAdd);

    const update = await selfUpdate(bob);
    bob = update.session;
    alice = (await processIncoming(alice, update.commit)).session;
    assert.equal(alice.epoch, 2n);
    assert.equal(alice.securityCode.digits, codeAfterAdd);
    assert.equal(bob.securityCode.digits, codeAfterAdd);
    assert.equal(alice.securityCode.epoch, 1n);
    assert.equal(await exported(alice), await exported(bob));

    const carol = await makeKeyPackage(await device("carol"), suite);
    const add = await addMembers(alice, [carol.encoded]);
    alice = add.session;
    bob = (await processIncoming(bob, add.commit)).session;
    assert.notEqual(alice.securityCode.digits, codeAfterAdd);
    assert.equal(alice.securityCode.digits, bob.securityCode.digits);
    const codeWithCarol = alice.securityCode.digits;

    const remove = await removeMembers(bob, [2]);
    bob = remove.session;
    alice = (await processIncoming(alice, remove.commit)).session;
    assert.notEqual(alice.securityCode.digits, codeWithCarol);
    assert.notEqual(alice.securityCode.digits, codeAfterAdd);
    assert.equal(alice.securityCode.digits, bob.securityCode.digits);
  });

  it("a policy that refuses makes processing fail and leaves the state unchanged", async () => {
    const suite = await loadMlsCiphersuite();
    const proof = utf8.encode("proof");
    const requireProof: MlsPolicy = (input) => {
      if (input.kind !== "commit") return { accept: true };
      const adds = input.proposals.some((p) => p.proposal.proposalType === "add");
      if (!adds || toHex(input.authenticatedData) === toHex(proof)) return { accept: true };
      return { accept: false, reason: "Add without admission proof" };
    };
    const [alice, bob] = await meeting(["alice", "bob"], requireProof, proof);
    assert.ok(alice && bob);
    const carol = await makeKeyPackage(await device("carol"), suite);

    // Our own commit: refused before it is made.
    await rejectsWith(addMembers(alice, [carol.encoded]), "MLS_POLICY_REFUSED");

    // A received commit: a permissive Alice commits without proof; Bob refuses it.
    const permissive = { ...alice, policy: () => ({ accept: true }) as const };
    const unproven = await addMembers(permissive, [carol.encoded]);
    const epochBefore = bob.epoch;
    const exporterBefore = await exported(bob);
    await rejectsWith(processIncoming(bob, unproven.commit), "MLS_POLICY_REFUSED");
    assert.equal(bob.epoch, epochBefore);
    assert.equal(await exported(bob), exporterBefore);

    // The same Add with the proof in the authenticated data is accepted by everyone.
    const proven = await addMembers(alice, [carol.encoded], { authenticatedData: proof });
    const bobAfter = await processIncoming(bob, proven.commit);
    assert.equal(bobAfter.session.epoch, epochBefore + 1n);
  });

  it("a garbage or tampered commit does not change state and fails with a typed error", async () => {
    let [alice, bob] = await meeting(["alice", "bob"]);
    assert.ok(alice && bob);
    const update = await selfUpdate(alice);
    await rejectsWith(processIncoming(bob, new Uint8Array([1, 2, 3])), "MLS_MESSAGE_INVALID");
    await rejectsWith(processIncoming(bob, new Uint8Array(0)), "MLS_MESSAGE_INVALID");
    const random = globalThis.crypto.getRandomValues(new Uint8Array(300));
    await rejectsWith(processIncoming(bob, random), "MLS_MESSAGE_INVALID");
    for (const at of [update.commit.length - 5, Math.floor(update.commit.length / 2)]) {
      const tampered = update.commit.slice();
      tampered[at] = (tampered[at] ?? 0) ^ 0x40;
      await assert.rejects(processIncoming(bob, tampered), (error: unknown) => isE2eeError(error));
    }
    assert.equal(bob.epoch, 1n);
    bob = (await processIncoming(bob, update.commit)).session;
    assert.equal(bob.epoch, 2n);
    alice = update.session;
    assert.equal(await exported(alice), await exported(bob));
  });

  it("a commit for another epoch is refused with MLS_WRONG_EPOCH", async () => {
    const [alice, bob] = await meeting(["alice", "bob"]);
    assert.ok(alice && bob);
    const first = await selfUpdate(alice);
    const bobNext = (await processIncoming(bob, first.commit)).session;
    await rejectsWith(processIncoming(bobNext, first.commit), "MLS_WRONG_EPOCH");
  });

  it("handshake messages sent as PrivateMessages are refused", async () => {
    const [alice, bob] = await meeting(["alice", "bob"]);
    assert.ok(alice && bob);
    const { createCommit, encodeMlsMessage } = await import("ts-mls");
    const privateCommit = await createCommit(
      { state: alice.state, cipherSuite: alice.suite },
      { wireAsPublicMessage: false },
    );
    await rejectsWith(
      processIncoming(bob, encodeMlsMessage(privateCommit.commit)),
      "MLS_POLICY_REFUSED",
    );
  });
});
