// A commit we cannot apply and what follows (docs/e2ee.md "Recovery from a commit members cannot
// apply"), on real MLS states. The state given never changes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBase64url, type ServerMessage, toBase64url } from "@conclave/protocol";
import { selfUpdate } from "../mls/commits.ts";
import type { MlsSession } from "../mls/session.ts";
import {
  adaAndBob,
  emitted,
  inbox,
  ownUpdate,
  pid,
  relayed,
  sent,
  snapshot,
} from "../testing/member-fixtures.ts";
import { decide } from "./commit-turns.ts";
import { run } from "./draft.ts";
import type { MemberState } from "./member-state.ts";
import { askChange } from "./own-requests.ts";
import { rollbackDue } from "./rollback.ts";
import { signFailureReport } from "./rollback-evidence.ts";

/** A commit for `epoch` whose framing does not decode: accepted by the server, unusable. */
const garbage = (epoch: number) => ({
  type: "mls-commit" as const,
  from: pid(2),
  epoch,
  commit: toBase64url(new Uint8Array(40).fill(9)),
});

/** The bytes of a relayed commit, base64url as the server sends them. */
function bytesOf(message: ServerMessage): Uint8Array {
  if (message.type !== "mls-commit") throw new Error("not a commit");
  const bytes = fromBase64url(message.commit);
  if (bytes === null) throw new Error("not base64url");
  return bytes;
}

/** The same commit with a byte of its signature flipped: framing intact, signature broken. */
function tampered(message: ServerMessage): ServerMessage {
  const bytes = bytesOf(message).slice();
  bytes[bytes.length - 2] = (bytes[bytes.length - 2] ?? 0) ^ 1;
  return { ...message, commit: toBase64url(bytes) } as ServerMessage;
}

/** `mls-rollback` of `commit` (made in `epoch`), with the failure reports of `reporters`. */
async function rollbackOf(
  epoch: number,
  commit: Uint8Array,
  reporters: readonly (MlsSession | undefined)[],
): Promise<ServerMessage> {
  const reports = [];
  for (const session of reporters) {
    if (session === undefined) throw new Error("no session to report with");
    const report = await signFailureReport(session, commit);
    reports.push({ leaf: report.leaf, signature: toBase64url(report.signature) });
  }
  return { type: "mls-rollback", epoch, commit: toBase64url(commit), reports };
}

/** Ada's own update, applied by her; Bob is still in the epoch before it. */
async function adaUpdated() {
  const pair = await adaAndBob();
  const { relay, echoed } = await ownUpdate(pair.ada, pair.adaCtx, pid(1));
  return { ...pair, relay, echoed };
}

describe("rollback", () => {
  it("a commit we cannot apply is reported failed, and we wait for a rollback", async () => {
    const { adaCtx, ada } = await adaAndBob();
    const seen = snapshot(ada);
    const failed = await inbox(ada, adaCtx, garbage(1));
    assert.equal(snapshot(ada), seen);
    const [report] = sent(failed.effects);
    assert.equal(report?.type, "mls-commit-failed");
    assert.equal(report?.type === "mls-commit-failed" && report.epoch, 1);
    assert.equal(report?.type === "mls-commit-failed" && report.leaf, 0, "signed as our leaf");
    assert.deepEqual(failed.state.awaitingRollback, { epoch: 1n, deadline: adaCtx.now() + 5000 });
    assert.equal(failed.state.stats.commitsFailed, 1);
    assert.equal(failed.state.session, ada.session, "our state stays");
  });

  it("no rollback within 5 s: we join again with a fresh KeyPackage and a fresh ring", async () => {
    const { clock, adaCtx, ada } = await adaAndBob();
    const failed = (await inbox(ada, adaCtx, garbage(1))).state;
    clock.time += 4999;
    assert.equal((await run(failed, (d) => rollbackDue(d, adaCtx))).state, failed);
    clock.time += 1;
    const seen = snapshot(failed);
    const rejoined = await run(failed, (d) => rollbackDue(d, adaCtx));
    assert.equal(snapshot(failed), seen);
    assert.equal(rejoined.state.status, "joining");
    assert.equal(rejoined.state.session, undefined);
    assert.equal(rejoined.state.stats.rejoins, 1);
    assert.deepEqual(
      sent(rejoined.effects).map((m) => m.type),
      ["mls-key-package"],
    );
    assert.ok(rejoined.effects.some((e) => e.kind === "new-ring"));
  });

  it("a rollback to our own epoch ends the wait and asks for a fresh epoch", async () => {
    const { adaCtx, ada, bob } = await adaAndBob();
    if (bob.session === undefined) throw new Error("bob is no member");
    const update = await selfUpdate(bob.session);
    const relay = {
      type: "mls-commit",
      from: pid(2),
      epoch: 1,
      commit: toBase64url(update.commit),
    };
    const broken = tampered(relay as ServerMessage);
    const failed = (await inbox(ada, adaCtx, broken)).state;
    assert.ok(failed.awaitingRollback, "ada cannot apply the broken commit");
    const back = await inbox(failed, adaCtx, await rollbackOf(1, bytesOf(broken), [ada.session]));
    assert.equal(back.state.awaitingRollback, undefined);
    assert.equal(back.state.stats.rollbacks, 1);
    assert.equal(back.state.duty.rekeySince, adaCtx.now());
  });

  it("a rollback of a commit we applied returns us to the session we kept, with no media keys", async () => {
    const { adaCtx, bob, relay, echoed } = await adaUpdated();
    const seen = snapshot(echoed);
    const claim = await rollbackOf(1, bytesOf(relay), [bob.session]);
    const back = await inbox(echoed, adaCtx, claim);
    assert.equal(snapshot(echoed), seen);
    const kept = echoed.previous;
    assert.equal(back.state.session?.epoch, kept?.epoch);
    assert.equal(back.state.session?.state.keySchedule, kept?.state.keySchedule, "the kept keys");
    assert.equal(
      back.state.session?.state.secretTree,
      echoed.session?.state.historicalReceiverData.get(1n)?.secretTree,
      "with its secret tree as late messages of its epoch left it (mls/session.ts sessionRestored)",
    );
    assert.equal(back.state.previous, undefined);
    assert.equal(back.state.ringEpoch, undefined);
    assert.ok(back.effects.some((e) => e.kind === "new-ring"));
    assert.ok(!back.effects.some((e) => e.kind === "install-keys"), "no key is used twice");
    const epoch = emitted(back.effects).find((e) => e.name === "epoch");
    assert.deepEqual(epoch?.value, {
      epoch: 1n,
      reason: "rollback",
      committer: undefined,
      added: [],
      removed: [],
      rosterChanged: false,
      mediaKeysInstalled: false,
    });
  });
});

describe("rollback evidence, checked by every member", () => {
  it("a rollback without signed reports is refused, logged and alarmed; nothing changes", async () => {
    const { adaCtx, relay, echoed } = await adaUpdated();
    const forged = await rollbackOf(1, bytesOf(relay), []);
    const step = await inbox(echoed, adaCtx, forged);
    assert.equal(step.state.session, echoed.session, "the commit stands");
    assert.equal(step.state.stats.rollbacksRefused, 1);
    assert.equal(step.state.stats.rollbacks, 0);
    const events = emitted(step.effects);
    const security = events.find((e) => e.name === "security");
    assert.equal(security?.name === "security" && security.value.reason, "rollback-forged");
    const alarm = events.find((e) => e.name === "alarm");
    assert.deepEqual(alarm?.value, { kind: "forged-rollback", epoch: 1n });
    assert.ok(!step.effects.some((e) => e.kind === "new-ring"), "the key ring stays");
  });

  it("a report signed by the committer, or about another commit, is no evidence", async () => {
    const { adaCtx, bob, ada, relay, echoed } = await adaUpdated();
    const byCommitter = await rollbackOf(1, bytesOf(relay), [ada.session]);
    assert.equal((await inbox(echoed, adaCtx, byCommitter)).state.stats.rollbacksRefused, 1);
    const other = bytesOf(tampered(relay));
    const reports = (await rollbackOf(1, other, [bob.session])) as Extract<
      ServerMessage,
      { type: "mls-rollback" }
    >;
    const elsewhere = { ...reports, commit: toBase64url(bytesOf(relay)) };
    assert.equal((await inbox(echoed, adaCtx, elsewhere)).state.stats.rollbacksRefused, 1);
  });

  it("a withdrawn commit delivered again is refused: the epoch's keys are never installed twice", async () => {
    const { adaCtx, bob, relay, echoed } = await adaUpdated();
    const back = (await inbox(echoed, adaCtx, await rollbackOf(1, bytesOf(relay), [bob.session])))
      .state;
    const again = await inbox(back, adaCtx, relay);
    assert.equal(again.state.session, back.session, "not adopted");
    assert.equal(again.state.stats.withdrawnRefused, 1);
    assert.ok(!again.effects.some((e) => e.kind === "install-keys"));
    const security = emitted(again.effects).find((e) => e.name === "security");
    assert.equal(security?.name === "security" && security.value.reason, "withdrawn-commit");
  });

  it("a real rollback of a commit we applied raises the rolled-back alarm naming its committer", async () => {
    const { adaCtx, bob, relay, echoed } = await adaUpdated();
    const back = await inbox(echoed, adaCtx, await rollbackOf(1, bytesOf(relay), [bob.session]));
    const alarm = emitted(back.effects).find((e) => e.name === "alarm");
    assert.equal(alarm?.value.kind, "rolled-back");
    const own = echoed.roster.find((r) => r.self)?.fingerprint;
    assert.equal(alarm?.value.kind === "rolled-back" && alarm.value.committer, own);
  });

  it("after a rollback, a request the withdrawn commit carried out is pending again", async () => {
    const { adaCtx, bob, ada } = await adaAndBob();
    const locked = await lockedBy(ada, adaCtx);
    const back = await inbox(
      locked.state,
      adaCtx,
      await rollbackOf(1, bytesOf(locked.relay), [bob.session]),
    );
    assert.equal(back.state.session?.roles.settings.locked, false, "the lock is undone");
    assert.equal(back.state.requests.changes.length, 1, "and asked for again");
  });
});

/** Ada locks the meeting: her request, her commit, its echo, and her next look at her requests. */
async function lockedBy(ada: MemberState, ctx: Parameters<typeof inbox>[1]) {
  const asked = await run(ada, (d) => {
    askChange(d, () => ({ kind: "set-locked", locked: true }));
  });
  const made = await run(asked.state, (d) => decide(d, ctx));
  const commit = sent(made.effects).find((m) => m.type === "mls-commit");
  if (commit?.type !== "mls-commit") throw new Error("no commit made");
  const relay = relayed(pid(1), commit);
  const echoed = await inbox(made.state, ctx, relay);
  const settled = await run(echoed.state, (d) => decide(d, ctx));
  return { state: settled.state, relay };
}
