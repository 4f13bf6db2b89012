/**
 * A node taken out of service hands its meetings on (docs/operations.md "Taking a node out of
 * service"): two server processes on loopback, each on its own slice of media ports, share a real
 * redis-server (redis-nodes.ts) behind a TCP balancer that sends each connection to the first node
 * that takes it. The node that owns a live meeting gets SIGTERM; the members, bots with the same
 * engine as the web app, are told SHUTTING_DOWN, reconnect through the balancer with their resume
 * tokens and land on the other node, which takes the lease the drained node released, without
 * waiting for it to run out. And one server alone, without Redis, still tells its members it is
 * going away and exits.
 *
 * Checked: at most one owner (the fencing token moved on by one: the drained node's, then the
 * new owner's), no write from the drained node after it let go, one commit per epoch (no epoch
 * added by the hand-off), every member on the same leaf, epoch and exporter.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bot } from "@conclave/bot";
import { decryptedFrom, exported } from "./bot-readings.ts";
import { everyoneDecrypts, next, place, type RedisNodes, redisNodes } from "./redis-nodes.ts";
import { newRoom, SignallingClient } from "./signalling-client.ts";
import { startServer } from "./start-server.ts";
import { settled, waitFor } from "./wait-for.ts";

/** The default lease: what a meeting would wait for, had its node died instead. */
const LEASE_MS = 5000;

/**
 * Waits for the group to be quiet before the drain, so that a commit still on its way (a joiner's
 * first self-update) is not taken for one the drain caused: every member on one epoch, the one
 * Redis holds, unchanged for 2 s.
 */
async function quiet(nodes: RedisNodes, room: string, group: readonly Bot[]): Promise<void> {
  const epochs = () => group.map((bot) => bot.crypto.member.epoch);
  await settled("the members' epochs", () => epochs().join(), { quietMs: 2000, ms: 30_000 });
  await waitFor("every member on the epoch Redis holds", async () => {
    const [first, ...rest] = epochs();
    return rest.every((e) => e === first) && (await nodes.storedEpoch(room)) === Number(first);
  });
}

const fence = async (nodes: RedisNodes, room: string) =>
  Number(await nodes.probe.get(`conclave:meeting:${room}:fence`));

describe("a node taken out of service", () => {
  let nodes: RedisNodes;
  before(async () => {
    nodes = await redisNodes();
  });
  after(() => nodes.close());

  it("hands a live meeting to another node at once: same leaves, no new epoch, nothing lost", async (t) => {
    const lease = { LEASE_TTL_MS: String(LEASE_MS) };
    const a = await nodes.node("node-a", 0, 1, lease);
    const b = await nodes.node("node-b", 1, 1, lease);
    const front = await nodes.balancer([a.port, b.port]);
    const room = await newRoom();
    const url = `http://127.0.0.1:${front.port}/m/${room.roomId}#${room.secret}`;
    const everyone = [
      await nodes.join(url, "Ada"),
      await nodes.join(url, "Ben"),
      await nodes.join(url, "Cyd"),
    ];
    const [ada, ben, cyd] = everyone as [Bot, Bot, Bot];
    await everyoneDecrypts(everyone);
    await quiet(nodes, room.roomId, everyone);
    assert.equal(await nodes.owner(room.roomId), "node-a");
    const before = everyone.map(place);
    const epoch = ada.crypto.member.epoch ?? 0n;
    const exporter = await exported(ada);
    const token = await fence(nodes, room.roomId);
    const heard = new Map(everyone.map((bot) => [bot, [] as string[]]));
    for (const bot of everyone) bot.crypto.member.on("chat", (c) => heard.get(bot)?.push(c.text));

    const back = everyone.map((bot) => next(bot, "reconnected"));
    const counts = everyone.map((r) => everyone.map((s) => decryptedFrom(r, s)));
    // Said as the drain starts: the drained node relays and writes it, or it never took it.
    assert.equal(await ada.crypto.member.sendChat("said as the node drains"), true);
    const drainedAt = performance.now();
    let exitedMs = 0;
    const exit = a.stop().then((code) => {
      exitedMs = performance.now() - drainedAt;
      return code;
    });
    assert.deepEqual(
      await Promise.all(back),
      Array(3).fill([true, false]),
      "everyone takes their place back; media negotiated afresh",
    );
    const resumedMs = performance.now() - drainedAt;
    assert.equal(await exit, 0, "the drained node exits cleanly");
    await waitFor(
      "media from Ben to Ada again",
      () => decryptedFrom(ada, ben) > (counts[0]?.[1] ?? 0) + 20,
    );
    const mediaGapMs = performance.now() - drainedAt;

    assert.ok(
      resumedMs < LEASE_MS / 2,
      `everyone back in ${Math.round(resumedMs)} ms, not after the ${LEASE_MS} ms lease`,
    );
    assert.equal(await nodes.owner(room.roomId), "node-b", "node-b holds the lease now");
    assert.equal(await fence(nodes, room.roomId), token + 1, "one hand-over: one new token");
    for (const bot of everyone) {
      assert.equal(bot.stats().signalling.serverErrors.SHUTTING_DOWN, 1, "told to reconnect");
      assert.equal(bot.crypto.member.stats.rejoins, 0);
    }
    assert.deepEqual(everyone.map(place), before, "same ids, leaves and epoch");
    assert.deepEqual(await Promise.all(everyone.map(exported)), Array(3).fill(exporter));
    assert.equal(await nodes.storedEpoch(room.roomId), Number(epoch), "no epoch added");
    assert.ok(a.logs.some((l) => l.includes("meeting handed off") && l.includes('"handed":true')));
    assert.ok(!a.logs.some((l) => l.includes("lost the meeting's lease")), "let go, not lost");
    await waitFor("the chat said as the node drained, by Ben and Cyd", () =>
      [ben, cyd].every((bot) => heard.get(bot)?.includes("said as the node drains")),
    );

    // The meeting goes on at node-b: a commit, a chat, media among all three.
    ada.crypto.member.requestSelfUpdate();
    await waitFor("Ada's update to be committed", () =>
      everyone.every((m) => m.crypto.member.epoch === epoch + 1n),
    );
    assert.equal(await ben.crypto.member.sendChat("said on node-b"), true);
    await waitFor("the chat on node-b", () =>
      [ada, cyd].every((bot) => heard.get(bot)?.includes("said on node-b")),
    );
    await waitFor("media among all three again", () =>
      everyone.every((r, i) =>
        everyone.every((s, j) => r === s || decryptedFrom(r, s) > (counts[i]?.[j] ?? 0) + 20),
      ),
    );
    assert.equal(await nodes.storedEpoch(room.roomId), Number(epoch + 1n), "one commit");
    assert.deepEqual(await Promise.all(everyone.map(exported)), Array(3).fill(await exported(ada)));
    for (const bot of [ben, cyd]) {
      const said = heard.get(bot) ?? [];
      assert.equal(said.filter((text) => text === "said as the node drains").length, 1, "once");
    }
    t.diagnostic(
      `drain: SIGTERM → all resumed ${Math.round(resumedMs)} ms, media back ` +
        `${Math.round(mediaGapMs)} ms, drained node exited ${Math.round(exitedMs)} ms ` +
        `(lease ${LEASE_MS} ms); epochs added 0, messages lost 0`,
    );
  });

  it("hands a meeting off from a node with workers: each worker lets its meetings go", async () => {
    const lease = { LEASE_TTL_MS: String(LEASE_MS) };
    const a = await nodes.node("node-w", 2, 2, lease);
    const b = await nodes.node("node-x", 3, 1, lease);
    const front = await nodes.balancer([a.port, b.port]);
    const room = await newRoom();
    const url = `http://127.0.0.1:${front.port}/m/${room.roomId}#${room.secret}`;
    const everyone = [await nodes.join(url, "Ada"), await nodes.join(url, "Ben")];
    await everyoneDecrypts(everyone);
    await quiet(nodes, room.roomId, everyone);
    assert.equal(await nodes.owner(room.roomId), "node-w");
    const before = everyone.map(place);
    const exporter = await exported(everyone[0] as Bot);
    const back = everyone.map((bot) => next(bot, "reconnected"));
    const counts = everyone.map((r) => everyone.map((s) => decryptedFrom(r, s)));
    const drainedAt = performance.now();
    const exit = a.stop();
    assert.deepEqual(await Promise.all(back), Array(2).fill([true, false]));
    const resumedMs = performance.now() - drainedAt;
    assert.equal(await exit, 0);
    assert.ok(resumedMs < LEASE_MS / 2, `everyone back in ${Math.round(resumedMs)} ms`);
    assert.equal(await nodes.owner(room.roomId), "node-x");
    for (const bot of everyone) {
      assert.equal(
        bot.stats().signalling.serverErrors.SHUTTING_DOWN,
        1,
        "told through the primary",
      );
    }
    assert.deepEqual(everyone.map(place), before, "same ids, leaves and epoch");
    assert.deepEqual(await Promise.all(everyone.map(exported)), Array(2).fill(exporter));
    await waitFor("media both ways again", () =>
      everyone.every((r, i) =>
        everyone.every((s, j) => r === s || decryptedFrom(r, s) > (counts[i]?.[j] ?? 0) + 20),
      ),
    );
  });

  it("without Redis tells its members the server is going away, then exits", async () => {
    const server = await startServer({ DRAIN_TIMEOUT_MS: "300" });
    const room = await newRoom();
    const ada = await SignallingClient.joined(server.url, room);
    const closed = new Promise<number>((resolve) => ada.ws.once("close", resolve));
    const stoppedAt = performance.now();
    assert.equal(await server.stop(), 0);
    assert.ok(performance.now() - stoppedAt < 10_000, "within its drain timeout and a margin");
    assert.equal((await ada.next("error")).code, "SHUTTING_DOWN");
    assert.equal(await closed, 4000);
  });
});
