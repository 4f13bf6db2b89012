// Messages for an epoch we have not reached, on real MLS states. The state given never changes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
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
import { drainQueue, expireQueue } from "./future-queue.ts";

/** Ada's next two commits, as the server relays them; Bob has seen neither. */
async function twoCommits() {
  const fixture = await adaAndBob();
  const first = await ownUpdate(fixture.ada, fixture.adaCtx, pid(1));
  const second = await ownUpdate(first.echoed, fixture.adaCtx, pid(1));
  return { ...fixture, first: first.relay, second: second.relay, ada: second.echoed };
}

describe("future-epoch queue", () => {
  it("a commit for a later epoch waits, and is applied once the one before it arrives", async () => {
    const { bobCtx, bob, ada, first, second } = await twoCommits();
    const seen = snapshot(bob);
    const held = await inbox(bob, bobCtx, second);
    assert.equal(snapshot(bob), seen);
    assert.equal(held.state.queue.length, 1);
    assert.equal(held.state.queue[0]?.expires, bobCtx.now() + 5000);
    assert.equal(held.state.session, bob.session, "nothing applied yet");
    const caughtUp = await inbox(held.state, bobCtx, first);
    const drained = await run(caughtUp.state, (d) => drainQueue(d, bobCtx));
    assert.equal(drained.state.queue.length, 0);
    assert.equal(drained.state.session?.epoch, 3n);
    assert.equal(drained.state.session?.securityCode.digits, ada.session?.securityCode.digits);
    const reasons = emitted(drained.effects).flatMap((e) => (e.name === "epoch" ? [e.value] : []));
    assert.deepEqual(
      reasons.map((e) => [e.epoch, e.reason]),
      [[3n, "commit"]],
    );
  });

  it("a held commit that never becomes readable expires: a missed commit, so we rejoin", async () => {
    const { clock, bobCtx, bob, second } = await twoCommits();
    const held = (await inbox(bob, bobCtx, second)).state;
    clock.time += 5000;
    const seen = snapshot(held);
    const expired = await run(held, (d) => expireQueue(d, bobCtx));
    assert.equal(snapshot(held), seen);
    assert.equal(expired.state.queue.length, 0);
    assert.equal(expired.state.stats.queueExpired, 1);
    assert.equal(expired.state.status, "joining");
    const errors = emitted(expired.effects).flatMap((e) =>
      e.name === "error" ? [e.value.code] : [],
    );
    assert.deepEqual(errors, ["STALE_QUEUE", "REJOINING"]);
    assert.deepEqual(
      sent(expired.effects).map((m) => m.type),
      ["mls-key-package"],
    );
  });

  it("a commit of an epoch already passed is ignored", async () => {
    const { adaCtx, ada, first } = await twoCommits();
    const step = await inbox(ada, adaCtx, first);
    assert.equal(step.state, ada);
    assert.deepEqual(step.effects, []);
  });
});
