// A commit we cannot apply and what follows (docs/e2ee.md "Recovery from a commit members cannot
// apply"), on real MLS states. The state given never changes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toBase64url } from "@conclave/protocol";
import {
  adaAndBob,
  emitted,
  inbox,
  ownUpdate,
  pid,
  sent,
  snapshot,
} from "../testing/member-fixtures.ts";
import { run } from "./draft.ts";
import { rollbackDue } from "./rollback.ts";

/** A commit for `epoch` whose framing does not decode: accepted by the server, unusable. */
const garbage = (epoch: number) => ({
  type: "mls-commit" as const,
  from: pid(2),
  epoch,
  commit: toBase64url(new Uint8Array(40).fill(9)),
});

describe("rollback", () => {
  it("a commit we cannot apply is reported failed, and we wait for a rollback", async () => {
    const { adaCtx, ada } = await adaAndBob();
    const seen = snapshot(ada);
    const failed = await inbox(ada, adaCtx, garbage(1));
    assert.equal(snapshot(ada), seen);
    assert.deepEqual(sent(failed.effects), [{ type: "mls-commit-failed", epoch: 1 }]);
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
    const { adaCtx, ada } = await adaAndBob();
    const failed = (await inbox(ada, adaCtx, garbage(1))).state;
    const back = await inbox(failed, adaCtx, { type: "mls-rollback", epoch: 1 });
    assert.equal(back.state.awaitingRollback, undefined);
    assert.equal(back.state.stats.rollbacks, 1);
    assert.equal(back.state.duty.rekeySince, adaCtx.now());
  });

  it("a rollback of a commit we applied returns us to the session we kept, with no media keys", async () => {
    const { adaCtx, ada } = await adaAndBob();
    const { echoed } = await ownUpdate(ada, adaCtx, pid(1));
    const seen = snapshot(echoed);
    const back = await inbox(echoed, adaCtx, { type: "mls-rollback", epoch: 1 });
    assert.equal(snapshot(echoed), seen);
    assert.equal(back.state.session, echoed.previous, "the very session kept");
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
