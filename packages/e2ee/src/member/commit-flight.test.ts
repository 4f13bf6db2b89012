// Our commit in flight, on real MLS states: sent and kept until its echo, dropped on a refusal,
// and the withheld-commit alarm when the server says nothing. The state given never changes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServerMessage } from "@conclave/protocol";
import {
  adaAndBob,
  emitted,
  inbox,
  ownUpdate,
  pid,
  sent,
  snapshot,
  welcome,
} from "../testing/member-fixtures.ts";
import { connectionLost, flightDue } from "./commit-flight.ts";
import { run } from "./draft.ts";

/** Our place taken back on a new connection: what we missed follows. */
function resumedWelcome(): ServerMessage {
  const message = welcome(pid(1), null, [{ id: pid(1), leaf: 0 }]);
  return message.type === "welcome" ? { ...message, resumed: true } : message;
}

describe("commit flight", () => {
  it("our commit is sent and kept in flight; its echo moves us to the next epoch", async () => {
    const { adaCtx, ada } = await adaAndBob();
    const { made, relay } = await ownUpdate(ada, adaCtx, pid(1));
    assert.equal(made.session?.epoch, 1n, "nothing adopted before the echo");
    assert.equal(made.inFlight?.epoch, 1n);
    assert.equal(made.inFlight?.alarmAt, adaCtx.now() + 2000);
    assert.equal(made.stats.commitsSent, ada.stats.commitsSent + 1);
    const seen = snapshot(made);
    const echoed = await inbox(made, adaCtx, relay);
    assert.equal(snapshot(made), seen, "the state given is unchanged");
    assert.equal(echoed.state.session?.epoch, 2n);
    assert.equal(echoed.state.inFlight, undefined);
    assert.equal(echoed.state.previous, made.session, "kept for a rollback");
    const epoch = emitted(echoed.effects).find((e) => e.name === "epoch");
    assert.equal(epoch?.name === "epoch" && epoch.value.reason, "own-commit");
    assert.ok(echoed.effects.some((e) => e.kind === "install-keys"));
  });

  it("a refusal drops our commit unadopted; not having lost a race, we wait before the next", async () => {
    const { adaCtx, ada } = await adaAndBob();
    const { made } = await ownUpdate(ada, adaCtx, pid(1));
    const seen = snapshot(made);
    const refused = await inbox(made, adaCtx, {
      type: "mls-commit-refused",
      epoch: 1,
      reason: "stale epoch",
    });
    assert.equal(snapshot(made), seen);
    assert.equal(refused.state.inFlight, undefined);
    assert.equal(refused.state.session, made.session, "still the epoch we were in");
    assert.equal(refused.state.stats.commitsRefused, 1);
    assert.equal(refused.state.duty.retryAfter, adaCtx.now() + 2000);
    assert.deepEqual(sent(refused.effects), []);
  });

  it("no echo and no refusal within 2 s raises the withheld-commit alarm, then gives up", async () => {
    const { clock, adaCtx, ada } = await adaAndBob();
    const { made } = await ownUpdate(ada, adaCtx, pid(1));
    clock.time += 1999;
    assert.deepEqual((await run(made, (d) => flightDue(d, adaCtx))).effects, [], "not yet");
    clock.time += 1;
    const seen = snapshot(made);
    const alarmed = await run(made, (d) => flightDue(d, adaCtx));
    assert.equal(snapshot(made), seen);
    assert.deepEqual(emitted(alarmed.effects), [
      { kind: "emit", name: "alarm", value: { kind: "withheld-commit", epoch: 1n } },
    ]);
    assert.equal(alarmed.state.stats.commitsWithheld, 1);
    assert.equal(alarmed.state.inFlight?.alarmAt, undefined, "raised once");
    assert.equal(alarmed.state.inFlight?.giveUpAt, clock.time + 2000);
    clock.time += 2000;
    const given = await run(alarmed.state, (d) => flightDue(d, adaCtx));
    assert.equal(given.state.inFlight, undefined);
    assert.equal(given.state.duty.retryAfter, clock.time + 2000);
  });

  it("another member's commit for our epoch wins: ours is lost, theirs is applied", async () => {
    const { clock, adaCtx, bobCtx, ada, bob } = await adaAndBob();
    clock.time += 2000; // Bob's turn for his first update, after Ada's (commit-turns.ts)
    const ours = await ownUpdate(bob, bobCtx, pid(2));
    const theirs = await ownUpdate(ada, adaCtx, pid(1));
    const step = await inbox(ours.made, bobCtx, theirs.relay);
    assert.equal(step.state.session?.epoch, 2n);
    assert.equal(step.state.inFlight?.lost, true, "wait for the refusal, then decide again");
    assert.equal(
      step.state.session?.securityCode.digits,
      theirs.echoed.session?.securityCode.digits,
    );
    assert.equal(ours.made.inFlight?.lost, false);
  });

  it("a commit lost with its connection (a failover) raises no alarm; unanswered after the resume, it is given up", async () => {
    const { clock, adaCtx, ada } = await adaAndBob();
    const { made } = await ownUpdate(ada, adaCtx, pid(1));
    clock.time += 5;
    const cut = await run(made, (d) => connectionLost(d, adaCtx));
    assert.equal(cut.state.inFlight?.alarmAt, undefined, "no alarm while the connection is down");
    assert.equal(cut.state.commitsCut, 1);
    clock.time += 6000; // the lease of the node that died runs out; another takes the meeting
    assert.deepEqual(emitted((await run(cut.state, (d) => flightDue(d, adaCtx))).effects), []);
    const resumed = await inbox(cut.state, adaCtx, resumedWelcome());
    assert.equal(resumed.state.inFlight?.giveUpAt, clock.time + 2000, "its echo is due at once");
    clock.time += 2000;
    const given = await run(resumed.state, (d) => flightDue(d, adaCtx));
    assert.deepEqual(emitted(given.effects), [], "given up without an alarm");
    assert.equal(given.state.inFlight, undefined);
    assert.equal(given.state.stats.commitsWithheld, 0);
    assert.equal(given.state.duty.retryAfter, clock.time + 2000, "and made again after that");
  });

  it("the echo of a commit lost with its connection comes in the resumed backlog: adopted", async () => {
    const { clock, adaCtx, ada } = await adaAndBob();
    const { made, relay } = await ownUpdate(ada, adaCtx, pid(1));
    const cut = await run(made, (d) => connectionLost(d, adaCtx));
    clock.time += 6000;
    const echoed = await inbox(cut.state, adaCtx, relay);
    assert.equal(echoed.state.session?.epoch, 2n);
    assert.equal(echoed.state.commitsCut, 0, "the server answered: the next cut is forgiven too");
    assert.equal(echoed.state.stats.commitsWithheld, 0);
  });

  it("a server that drops the connection again while our next commit is out withholds it: alarm at once", async () => {
    const { clock, adaCtx, ada } = await adaAndBob();
    const { made } = await ownUpdate(ada, adaCtx, pid(1));
    const cut = await run(made, (d) => connectionLost(d, adaCtx));
    const resumed = await inbox(cut.state, adaCtx, resumedWelcome());
    clock.time += 2000;
    const given = await run(resumed.state, (d) => flightDue(d, adaCtx));
    assert.equal(given.state.inFlight, undefined, "given up");
    clock.time += 2000; // made again once retryAfter passed
    const again = await ownUpdate(given.state, adaCtx, pid(1));
    assert.equal(again.made.inFlight?.epoch, 1n, "the same epoch's commit, made again");
    const cutAgain = await run(again.made, (d) => connectionLost(d, adaCtx));
    assert.deepEqual(emitted(cutAgain.effects), [
      { kind: "emit", name: "alarm", value: { kind: "withheld-commit", epoch: 1n } },
    ]);
    assert.equal(cutAgain.state.stats.commitsWithheld, 1);
    assert.equal(cutAgain.state.inFlight?.giveUpAt, clock.time + 2000);
  });
});
