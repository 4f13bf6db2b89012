/**
 * Commits across several nodes (docs/operations.md "Several machines with Redis"): the meeting's
 * owner orders every commit, whichever node its sender reached, and a commit that dies with the
 * owner is made again without the withheld-commit alarm. Two server processes on loopback share a
 * real redis-server (redis-nodes.ts); the members are bots with the web app's engine.
 *
 * Both scenarios pause the owner (SIGSTOP) while commits are on their way, so that what reaches
 * it does so at once when it wakes, or never when it is killed: the race is made, not hoped for.
 * The pause stays well under the 2 s after which silence is an alarm.
 *
 * Checked each time: one owner, one commit per epoch (every member adopted as many commits as the
 * group moved epochs, and Redis holds that epoch), every member on the same epoch and exporter.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bot } from "@conclave/bot";
import { exported } from "./bot-readings.ts";
import {
  everyoneDecrypts,
  expectOneCommitMore,
  firstUpdatesIn,
  next,
  place,
  type RedisNodes,
  redisNodes,
} from "./redis-nodes.ts";
import { newRoom } from "./signalling-client.ts";
import { waitFor } from "./wait-for.ts";

/** Every withheld-commit alarm the bots raise, by name. */
function alarmsOf(bots: readonly Bot[]): string[] {
  const alarms: string[] = [];
  for (const bot of bots) {
    bot.crypto.member.on("alarm", (alarm) => {
      if (alarm.kind === "withheld-commit") alarms.push(bot.stats().name);
    });
  }
  return alarms;
}

/** Each bot's count of commits sent, so far. */
const sentBy = (bots: readonly Bot[]) => bots.map((b) => b.crypto.member.stats.commitsSent);

describe("commits across nodes", () => {
  let nodes: RedisNodes;
  before(async () => {
    nodes = await redisNodes();
  });
  after(() => nodes.close());

  it("orders two commits sent through different nodes in one epoch: one wins, the other is refused and made again", async () => {
    const [a, b] = [await nodes.node("node-q", 13), await nodes.node("node-r", 14)];
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    // Ada is on the owner, node-q; Ben reaches node-r, which forwards him to node-q.
    const ada = await nodes.join(link(a.port), "Ada", false);
    const ben = await nodes.join(link(b.port), "Ben", false);
    const everyone = [ada, ben];
    await everyoneDecrypts(everyone);
    await firstUpdatesIn(nodes, room.roomId, everyone);
    assert.equal(await nodes.owner(room.roomId), "node-q");
    const epoch = ada.crypto.member.epoch ?? 0n;
    const accepted = everyone.map((bot) => bot.crypto.member.stats.commitsAccepted);
    const alarms = alarmsOf(everyone);
    const refusals = () =>
      ada.crypto.member.stats.commitsRefused + ben.crypto.member.stats.commitsRefused;
    const refusedBefore = refusals();

    const sent = sentBy(everyone);
    process.kill(a.pid, "SIGSTOP");
    ada.crypto.member.requestSelfUpdate();
    ben.crypto.member.requestSelfUpdate();
    try {
      await waitFor("both updates sent for the same epoch", () =>
        sentBy(everyone).every((n, i) => n === (sent[i] ?? 0) + 1),
      );
    } finally {
      process.kill(a.pid, "SIGCONT");
    }
    // The owner takes one; the other, for an epoch gone, is refused, and its sender, whose
    // self-update is still due, makes it again on the next epoch.
    await waitFor(
      "both updates in, one epoch each",
      () => everyone.every((bot) => bot.crypto.member.epoch === epoch + 2n),
      20_000,
    );
    assert.equal(refusals() - refusedBefore, 1, "exactly one of the two was refused");
    assert.deepEqual(
      everyone.map((bot, i) => bot.crypto.member.stats.commitsAccepted - (accepted[i] ?? 0)),
      [2, 2],
      "two commits adopted by each: one per epoch",
    );
    assert.deepEqual(everyone.map(place), [
      { id: ada.id, leaf: 0, epoch: epoch + 2n },
      { id: ben.id, leaf: 1, epoch: epoch + 2n },
    ]);
    assert.equal(await exported(ada), await exported(ben));
    assert.equal(await nodes.storedEpoch(room.roomId), Number(epoch + 2n));
    assert.equal(await nodes.owner(room.roomId), "node-q");
    assert.deepEqual(alarms, [], "a refusal answered the loser: nothing was withheld");
  });

  it("makes a commit lost with its node again, without the withheld-commit alarm", async (t) => {
    const [a, b] = [await nodes.node("node-s", 15), await nodes.node("node-t", 16)];
    const front = await nodes.balancer([a.port, b.port]);
    const room = await newRoom();
    const url = `http://127.0.0.1:${front.port}/m/${room.roomId}#${room.secret}`;
    const everyone = [
      await nodes.join(url, "Ada", true),
      await nodes.join(url, "Ben", true),
      await nodes.join(url, "Cyd", true),
    ];
    const [ada] = everyone as [Bot, Bot, Bot];
    await everyoneDecrypts(everyone);
    await firstUpdatesIn(nodes, room.roomId, everyone);
    assert.equal(await nodes.owner(room.roomId), "node-s");
    const before = everyone.map(place);
    const epoch = ada.crypto.member.epoch ?? 0n;
    const alarms = alarmsOf(everyone);
    const back = everyone.map((bot) => next(bot, "reconnected"));

    // Ada's update reaches node-s while it is paused, and node-s dies before reading it: the
    // commit is lost with the node, which neither sequenced nor withheld it.
    const [sent] = sentBy([ada]);
    process.kill(a.pid, "SIGSTOP");
    const pausedAt = performance.now();
    ada.crypto.member.requestSelfUpdate();
    await waitFor("Ada's update sent", () => sentBy([ada])[0] === (sent ?? 0) + 1);
    process.kill(a.pid, "SIGKILL");
    const killedAt = performance.now();
    assert.ok(performance.now() - pausedAt < 1000, "killed before silence could mean withholding");
    for (const reconnected of await Promise.all(back)) assert.deepEqual(reconnected, [true, false]);
    assert.equal(await nodes.owner(room.roomId), "node-t");

    await waitFor(
      "Ada's update, made again, on everyone",
      () => everyone.every((bot) => bot.crypto.member.epoch === epoch + 1n),
      20_000,
    );
    const settledMs = performance.now() - killedAt;
    assert.deepEqual(alarms, [], "no withheld-commit alarm: the server withheld nothing");
    assert.equal(ada.crypto.member.stats.commitsWithheld, 0);
    assert.ok(ada.crypto.member.stats.commitsSent >= (sent ?? 0) + 2, "the update was made again");
    await expectOneCommitMore(nodes, room.roomId, everyone, before, epoch);
    t.diagnostic(
      `commit lost with its node: everyone on its epoch ${Math.round(settledMs)} ms after the kill`,
    );
  });
});
