/**
 * The Delivery Service against real MLS messages made by packages/e2ee (tests only: the service
 * itself imports no key material).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addMembers,
  commitRoles,
  createDeviceIdentity,
  createMeeting,
  joinFromWelcome,
  loadMlsCiphersuite,
  type MlsSession,
  makeKeyPackage,
  processIncoming,
  removeMembers,
  sealApplicationMessage,
  selfUpdate,
  signFailureReport,
} from "@conclave/e2ee";
import { type ParticipantId, toBase64url } from "@conclave/protocol";
import { type FailureReport, GroupDelivery, type Outcome } from "./group-delivery.ts";

const b64 = toBase64url;
const pid = (n: string) => n.padEnd(16, "x") as ParticipantId;
const [A, B, C, D] = ["alice", "bob", "carol", "dave"].map(pid) as [
  ParticipantId,
  ParticipantId,
  ParticipantId,
  ParticipantId,
];

async function device(name: string) {
  return createDeviceIdentity(
    { displayName: name, deviceId: `${name}-1` },
    await loadMlsCiphersuite(),
  );
}

/** `who`'s signed report that it could not apply `commit` (made in its session's epoch). */
async function failed(
  sessions: ReadonlyMap<ParticipantId, MlsSession>,
  who: ParticipantId,
  commit: Uint8Array,
): Promise<FailureReport> {
  const report = await signFailureReport(sessions.get(who) as MlsSession, commit);
  return {
    epoch: Number(report.epoch),
    commitRef: b64(report.commitRef),
    leaf: report.leaf,
    signature: b64(report.signature),
  };
}

function to(outcome: Outcome, who: ParticipantId): string[] {
  return outcome.deliveries.filter((d) => d.to === who).map((d) => d.message.type);
}

/** A room whose founder A added `others` one commit each, through the service. */
async function room(others: ParticipantId[]) {
  const ds = new GroupDelivery();
  const sessions = new Map<ParticipantId, MlsSession>();
  ds.connect(A);
  const founder = (await createMeeting(await device("alice"))).session;
  sessions.set(A, founder);
  assert.equal(ds.found(A, b64(founder.groupId)).refusal, undefined);
  for (const p of others) {
    ds.connect(p);
    const bundle = await makeKeyPackage(await device(p), await loadMlsCiphersuite());
    const relay = ds.keyPackage(p, b64(bundle.encoded));
    assert.equal(relay.refusal, undefined);
    const committer = [...sessions.keys()][0] as ParticipantId;
    const session = sessions.get(committer) as MlsSession;
    assert.ok(to(relay, committer).includes("mls-key-package"), "members get the KeyPackage");
    const add = await addMembers(session, [bundle.encoded]);
    const outcome = ds.commit(committer, Number(session.epoch), b64(add.commit), b64(add.welcome));
    assert.equal(outcome.refusal, undefined);
    assert.deepEqual(to(outcome, p), ["mls-welcome"]);
    for (const [who, s] of sessions) {
      sessions.set(
        who,
        who === committer ? add.session : (await processIncoming(s, add.commit)).session,
      );
    }
    sessions.set(p, (await joinFromWelcome(bundle, add.welcome)).session);
  }
  return { ds, sessions };
}

describe("delivery service", () => {
  it("lets the first participant found the group and refuses a second founder", async () => {
    const ds = new GroupDelivery();
    ds.connect(A);
    ds.connect(B);
    const founder = (await createMeeting(await device("alice"))).session;
    const outcome = ds.found(A, b64(founder.groupId));
    assert.equal(outcome.refusal, undefined);
    assert.deepEqual(outcome.leafChanged, [A]);
    assert.deepEqual(ds.state, { groupId: b64(founder.groupId), epoch: 0 });
    assert.equal(ds.leafOf(A), 0);
    assert.equal(ds.found(B, b64(new Uint8Array(16))).refusal?.code, "GROUP_EXISTS");
  });

  it("relays a KeyPackage, orders the Add, welcomes the joiner and follows its leaf", async () => {
    const { ds, sessions } = await room([B]);
    assert.equal(ds.state?.epoch, 1);
    assert.equal(ds.leafOf(B), 1);
    assert.equal(sessions.get(B)?.epoch, 1n);
  });

  it("accepts the first commit for an epoch and refuses a second with the current epoch", async () => {
    const { ds, sessions } = await room([B]);
    const a = sessions.get(A) as MlsSession;
    const b = sessions.get(B) as MlsSession;
    const first = await selfUpdate(a);
    const second = await selfUpdate(b);
    const won = ds.commit(A, 1, b64(first.commit), null);
    assert.deepEqual(to(won, A), ["mls-commit"], "the committer gets its echo");
    assert.deepEqual(to(won, B), ["mls-commit"]);
    const lost = ds.commit(B, 1, b64(second.commit), null);
    assert.equal(lost.refusal, undefined);
    assert.deepEqual(lost.deliveries, [
      { to: B, message: { type: "mls-commit-refused", epoch: 2, reason: "stale epoch" } },
    ]);
    assert.equal(ds.state?.epoch, 2);
  });

  it("refuses garbage, non-members and commits signed as another leaf, changing nothing", async () => {
    const { ds, sessions } = await room([B]);
    ds.connect(C);
    const update = await selfUpdate(sessions.get(A) as MlsSession);
    const cases: Array<[Outcome, string]> = [
      [ds.commit(A, 1, "AAAAAAAA", null), "BAD_MLS"],
      [ds.commit(A, 1, "not base64!", null), "BAD_MLS"],
      [ds.commit(C, 1, b64(update.commit), null), "NOT_A_MEMBER"],
      [ds.commit(B, 1, b64(update.commit), null), "BAD_MLS"],
      [ds.message(C, b64(update.commit)), "NOT_A_MEMBER"],
      [ds.message(A, b64(update.commit)), "BAD_MLS"],
      [ds.keyPackage(C, b64(update.commit)), "BAD_MLS"],
    ];
    for (const [outcome, code] of cases) {
      assert.equal(outcome.refusal?.code, code);
      assert.deepEqual(outcome.deliveries, []);
    }
    assert.equal(ds.state?.epoch, 1);
    assert.equal(ds.leafOf(A), 0);
    assert.equal(ds.leafOf(B), 1);
  });

  it("relays application messages to every other member only", async () => {
    const { ds, sessions } = await room([B, C]);
    ds.connect(D);
    const sealed = await sealApplicationMessage(
      sessions.get(B) as MlsSession,
      new TextEncoder().encode("hi"),
    );
    const outcome = ds.message(B, b64(sealed.message));
    assert.deepEqual(outcome.deliveries.map((d) => d.to).sort(), [A, C].sort());
    assert.ok(
      outcome.deliveries.every((d) => d.message.type === "mls-message" && d.message.from === B),
    );
  });

  it("frees a removed leaf and gives the next joiner the lowest empty leaf", async () => {
    const { ds, sessions } = await room([B, C]);
    const remove = await removeMembers(sessions.get(A) as MlsSession, [1]);
    assert.equal(ds.commit(A, 2, b64(remove.commit), null).refusal, undefined);
    assert.equal(ds.leafOf(B), null);
    ds.connect(D);
    const bundle = await makeKeyPackage(await device("dave"), await loadMlsCiphersuite());
    ds.keyPackage(D, b64(bundle.encoded));
    const add = await addMembers(remove.session, [bundle.encoded]);
    assert.equal(ds.commit(A, 3, b64(add.commit), b64(add.welcome)).refusal, undefined);
    assert.equal(ds.leafOf(D), 1);
    const joined = (await joinFromWelcome(bundle, add.welcome)).session;
    assert.equal(joined.ownLeafIndex, 1, "the service follows the leaf MLS assigns");
  });

  it("rolls back a commit most other members cannot apply and disconnects its committer", async () => {
    const { ds, sessions } = await room([B, C, D]);
    const update = await selfUpdate(sessions.get(D) as MlsSession);
    assert.equal(ds.commit(D, 3, b64(update.commit), null).refusal, undefined);
    assert.equal(ds.state?.epoch, 4);
    const byA = await failed(sessions, A, update.commit);
    assert.deepEqual(ds.commitFailed(A, byA).deliveries, [], "one of three is not a majority");
    assert.deepEqual(ds.commitFailed(A, byA).deliveries, [], "a repeated report counts once");
    const byD = await failed(sessions, D, update.commit);
    assert.equal(ds.commitFailed(D, byD).refusal?.code, "BAD_MLS", "the committer cannot vote");
    const byB = await failed(sessions, B, update.commit);
    const rollback = ds.commitFailed(B, byB);
    assert.deepEqual(rollback.disconnect, [D]);
    assert.deepEqual(rollback.deliveries.map((d) => d.to).sort(), [A, B, C].sort());
    for (const { message } of rollback.deliveries) {
      assert.deepEqual(message, {
        type: "mls-rollback",
        epoch: 3,
        commit: b64(update.commit),
        reports: [
          { leaf: 0, signature: byA.signature },
          { leaf: 1, signature: byB.signature },
        ],
      });
    }
    assert.equal(ds.state?.epoch, 3);
    const byC = await failed(sessions, C, update.commit);
    assert.deepEqual(ds.commitFailed(C, byC).deliveries, [], "nothing left to roll back");
  });

  it("refuses a report for another leaf or another commit, or from a member the commit removes", async () => {
    const { ds, sessions } = await room([B, C, D]);
    const remove = await removeMembers(sessions.get(A) as MlsSession, [3]);
    assert.equal(ds.commit(A, 3, b64(remove.commit), null).refusal, undefined);
    const byB = await failed(sessions, B, remove.commit);
    const other = await selfUpdate(sessions.get(C) as MlsSession);
    const cases: Array<[ParticipantId, FailureReport]> = [
      [C, byB],
      [B, { ...byB, leaf: 2 }],
      [C, await failed(sessions, C, other.commit)],
      [D, await failed(sessions, D, remove.commit)],
    ];
    for (const [from, report] of cases) {
      const outcome = ds.commitFailed(from, report);
      assert.equal(outcome.refusal?.code, "BAD_MLS");
      assert.deepEqual(outcome.deliveries, []);
    }
    assert.equal(ds.state?.epoch, 4, "nothing rolled back");
  });

  it("counts members that are not connected among those who could report", async () => {
    const { ds, sessions } = await room([B, C, D]);
    const update = await selfUpdate(sessions.get(D) as MlsSession);
    assert.equal(ds.commit(D, 3, b64(update.commit), null).refusal, undefined);
    ds.disconnect(C);
    // B alone is one of the two connected reporters, but one of three members of the epoch.
    const outcome = ds.commitFailed(B, await failed(sessions, B, update.commit));
    assert.deepEqual(outcome.deliveries, []);
    assert.equal(ds.state?.epoch, 4);
  });

  it("tells a joiner added by a rolled-back commit, so it can rejoin", async () => {
    const { ds, sessions } = await room([B, C]);
    ds.connect(D);
    const bundle = await makeKeyPackage(await device("dave"), await loadMlsCiphersuite());
    ds.keyPackage(D, b64(bundle.encoded));
    const add = await addMembers(sessions.get(A) as MlsSession, [bundle.encoded]);
    assert.equal(ds.commit(A, 2, b64(add.commit), b64(add.welcome)).refusal, undefined);
    assert.equal(ds.leafOf(D), 3);
    ds.commitFailed(B, await failed(sessions, B, add.commit));
    const rollback = ds.commitFailed(C, await failed(sessions, C, add.commit));
    assert.deepEqual(rollback.deliveries.map((d) => d.to).sort(), [B, C, D].sort());
    assert.equal(ds.leafOf(D), null);
  });

  it("sends pending KeyPackages to a participant when it becomes a member", async () => {
    const { ds, sessions } = await room([B]);
    ds.connect(C);
    ds.connect(D);
    const suite = await loadMlsCiphersuite();
    const c = await makeKeyPackage(await device("carol"), suite);
    const d = await makeKeyPackage(await device("dave"), suite);
    ds.keyPackage(C, b64(c.encoded));
    ds.keyPackage(D, b64(d.encoded));
    const add = await addMembers(sessions.get(A) as MlsSession, [c.encoded]);
    const outcome = ds.commit(A, 1, b64(add.commit), b64(add.welcome));
    assert.deepEqual(
      to(outcome, C),
      ["mls-welcome", "mls-key-package"],
      "Carol learns of Dave's KeyPackage",
    );
    assert.deepEqual(to(outcome, D), [], "Dave is not a member yet");
  });

  it("relays an admission proof and sealed name with its KeyPackage as they came, now and to later members", async () => {
    const { ds, sessions } = await room([B]);
    ds.connect(C);
    ds.connect(D);
    const suite = await loadMlsCiphersuite();
    const c = await makeKeyPackage(await device("carol"), suite);
    const proof = b64(new Uint8Array(32).fill(7));
    const name = b64(new Uint8Array(40).fill(9));
    const relay = ds.keyPackage(C, b64(c.encoded), { proof, name });
    const toAlice = relay.deliveries.find((d) => d.to === A)?.message;
    assert.deepEqual(toAlice, {
      type: "mls-key-package",
      from: C,
      keyPackage: b64(c.encoded),
      proof,
      name,
    });
    const d = await makeKeyPackage(await device("dave"), suite);
    const add = await addMembers(sessions.get(A) as MlsSession, [d.encoded]);
    ds.keyPackage(D, b64(d.encoded));
    const outcome = ds.commit(A, 1, b64(add.commit), b64(add.welcome));
    const toDave = outcome.deliveries.find(
      (x) => x.to === D && x.message.type === "mls-key-package",
    );
    assert.deepEqual(toDave?.message, {
      type: "mls-key-package",
      from: C,
      keyPackage: b64(c.encoded),
      proof,
      name,
    });
  });

  it("orders a roles commit (group context extensions) like any other, leaves unchanged", async () => {
    const { ds, sessions } = await room([B]);
    const a = sessions.get(A) as MlsSession;
    const lock = await commitRoles(a, {
      ...a.roles,
      settings: { ...a.roles.settings, locked: true },
    });
    const outcome = ds.commit(A, 1, b64(lock.commit), null);
    assert.equal(outcome.refusal, undefined);
    assert.equal(ds.state?.epoch, 2);
    assert.equal(ds.leafOf(B), 1);
  });

  it("follows lock, lobby and knocking from a roles commit, and a rollback restores them", async () => {
    const { ds, sessions } = await room([B, C]);
    assert.deepEqual(ds.settings, { lobbyMandatory: false, knockingEnabled: true, locked: false });
    const a = sessions.get(A) as MlsSession;
    const change = await commitRoles(a, {
      ...a.roles,
      settings: { lobbyMandatory: true, knockingEnabled: false, locked: true },
    });
    assert.equal(ds.commit(A, 2, b64(change.commit), null).refusal, undefined);
    assert.deepEqual(ds.settings, { lobbyMandatory: true, knockingEnabled: false, locked: true });
    ds.commitFailed(B, await failed(sessions, B, change.commit));
    ds.commitFailed(C, await failed(sessions, C, change.commit));
    assert.equal(ds.state?.epoch, 2, "rolled back");
    assert.deepEqual(ds.settings, { lobbyMandatory: false, knockingEnabled: true, locked: false });
  });

  it("names the connected participants a commit removes, for the server to close", async () => {
    const { ds, sessions } = await room([B, C]);
    const a = sessions.get(A) as MlsSession;
    const remove = await removeMembers(a, [1]);
    const outcome = ds.commit(A, 2, b64(remove.commit), null);
    assert.equal(outcome.refusal, undefined);
    assert.deepEqual(outcome.removed, [B]);
    assert.ok(to(outcome, B).includes("mls-commit"), "the removed member gets the commit first");
  });
});
