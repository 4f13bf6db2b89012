/**
 * A meeting outlives the node that ran it (DESIGN.md §5, docs/operations.md "Several machines with
 * Redis"): two server processes on loopback, each on its own slice of media ports, share a real
 * redis-server started here (redis-nodes.ts), behind a TCP balancer that sends each connection to
 * the first node that answers. The node that owns a meeting is killed (SIGKILL), mid-commit too,
 * or paused (SIGSTOP) past its lease; the members, bots with the same engine as the web app,
 * reconnect with their resume tokens to the other node, which takes the lease and carries the
 * meeting on from Redis. And Redis itself goes away for 10 s.
 *
 * Checked each time: at most one owner (the lease in Redis names one node), no write from a stale
 * owner, one commit per epoch (no epoch added by the failover), every member on the same epoch and
 * exporter.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { type Bot, joinBot, ServerRefusedError } from "@conclave/bot";
import { createClient } from "@redis/client";
import { decryptedFrom, exported } from "./bot-readings.ts";
import { networkCut } from "./network-cut.ts";
import {
  everyoneDecrypts,
  expectOneCommitMore,
  firstUpdatesIn,
  LEASE_TTL_MS,
  next,
  PORT_BASE,
  place,
  type RedisNodes,
  redisNodes,
} from "./redis-nodes.ts";
import { startRedis } from "./redis-server.ts";
import { newRoom, SignallingClient } from "./signalling-client.ts";
import { startServer } from "./start-server.ts";
import { holdsFor, waitFor } from "./wait-for.ts";

describe("a meeting survives its node", () => {
  let nodes: RedisNodes;
  before(async () => {
    nodes = await redisNodes();
  });
  after(() => nodes.close());

  it("carries a meeting on when its node is killed: same leaves, no new epoch, nothing lost", async (t) => {
    const [a, b] = [await nodes.node("node-a", 0), await nodes.node("node-b", 1)];
    const front = await nodes.balancer([a.port, b.port]);
    // Cyd reaches the balancer through a network the test cuts: it stays away for a while.
    const cydPath = await networkCut(front.port);
    nodes.keep(cydPath);
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    const ada = await nodes.join(link(front.port), "Ada");
    const ben = await nodes.join(link(front.port), "Ben");
    const cyd = await nodes.join(link(cydPath.port), "Cyd");
    const everyone = [ada, ben, cyd];
    await everyoneDecrypts(everyone);
    // A joiner's first update still on its way would count as an epoch the failover added.
    await firstUpdatesIn(nodes, room.roomId, everyone);
    assert.equal(await nodes.owner(room.roomId), "node-a");
    const before = everyone.map(place);
    const epoch = ada.crypto.member.epoch ?? 0n;
    assert.equal(await nodes.storedEpoch(room.roomId), Number(epoch), "Redis follows the epoch");

    const chats: string[] = [];
    cyd.crypto.member.on("chat", (c) => chats.push(c.text));
    const back = [next(ada, "reconnected"), next(ben, "reconnected")];
    const seenBefore = decryptedFrom(ada, ben);
    cydPath.cut();
    const killedAt = performance.now();
    process.kill(a.pid, "SIGKILL");
    assert.deepEqual(await Promise.all(back), [
      [true, false],
      [true, false],
    ]);
    const resumedMs = performance.now() - killedAt;
    assert.equal(await nodes.owner(room.roomId), "node-b", "node-b holds the lease now");
    await waitFor("media from Ben to Ada again", () => decryptedFrom(ada, ben) > seenBefore + 20);
    const mediaGapMs = performance.now() - killedAt;

    // While Cyd is still away: a commit (Ada's self-update) and a chat message.
    ada.crypto.member.requestSelfUpdate();
    await waitFor("Ada's update to be committed", () =>
      [ada, ben].every((m) => m.crypto.member.epoch === epoch + 1n),
    );
    assert.equal(await ben.crypto.member.sendChat("said while Cyd was away"), true);
    const cydBack = next(cyd, "reconnected");
    cydPath.restore();
    assert.deepEqual(await cydBack, [true, false], "Cyd takes its place back on node-b");
    await waitFor(
      "Cyd to apply the commit it missed",
      () => cyd.crypto.member.epoch === epoch + 1n,
    );
    await waitFor("the chat message Cyd missed", () => chats.includes("said while Cyd was away"));
    const allResumedMs = performance.now() - killedAt;

    assert.deepEqual(
      everyone.map(place),
      before.map((p) => ({ ...p, epoch: epoch + 1n })),
      "same ids and leaves; one epoch, Ada's update, and none for the failover",
    );
    for (const bot of everyone) assert.equal(bot.crypto.member.stats.rejoins, 0);
    assert.deepEqual(await Promise.all(everyone.map(exported)), Array(3).fill(await exported(ada)));
    assert.equal(await nodes.storedEpoch(room.roomId), Number(epoch + 1n));
    const counts = everyone.map((r) => everyone.map((s) => decryptedFrom(r, s)));
    await waitFor("media among all three again", () =>
      everyone.every((r, i) =>
        everyone.every((s, j) => r === s || decryptedFrom(r, s) > (counts[i]?.[j] ?? 0) + 20),
      ),
    );
    assert.equal(await nodes.owner(room.roomId), "node-b");
    t.diagnostic(
      `failover: kill → Ada and Ben resumed ${Math.round(resumedMs)} ms, media back ` +
        `${Math.round(mediaGapMs)} ms, Cyd (held away) resumed ${Math.round(allResumedMs)} ms; ` +
        "epochs added 0, messages lost 0",
    );
  });

  it("carries a meeting on when its node is killed mid-commit: the group settles on one commit", async () => {
    const [a, b] = [await nodes.node("node-m", 10), await nodes.node("node-n", 11)];
    const front = await nodes.balancer([a.port, b.port]);
    const room = await newRoom();
    const url = `http://127.0.0.1:${front.port}/m/${room.roomId}#${room.secret}`;
    const everyone = [
      await nodes.join(url, "Ada"),
      await nodes.join(url, "Ben"),
      await nodes.join(url, "Cyd"),
    ];
    const [ada] = everyone as [Bot, Bot, Bot];
    await everyoneDecrypts(everyone);
    await firstUpdatesIn(nodes, room.roomId, everyone);
    const before = everyone.map(place);
    const epoch = ada.crypto.member.epoch ?? 0n;
    const back = everyone.map((bot) => next(bot, "reconnected"));
    const alarms: string[] = [];
    for (const bot of everyone) bot.crypto.member.on("alarm", (alarm) => alarms.push(alarm.kind));
    // Ada's update is on its way (being made, sent, or written and not yet echoed) as the node dies:
    // the new owner delivers it from the log, or Ada, hearing nothing, makes it again.
    ada.crypto.member.requestSelfUpdate();
    setTimeout(() => process.kill(a.pid, "SIGKILL"), 2);
    for (const reconnected of await Promise.all(back)) assert.deepEqual(reconnected, [true, false]);
    await waitFor(
      "everyone on the update's epoch",
      () => everyone.every((bot) => bot.crypto.member.epoch === epoch + 1n),
      30_000,
    );
    await expectOneCommitMore(nodes, room.roomId, everyone, before, epoch);
    assert.equal(await nodes.owner(room.roomId), "node-n");
    // A commit lost with its node was not withheld by the server: no alarm (commit-flight.ts).
    assert.deepEqual(alarms, [], "no withheld-commit alarm for a failover");
  });

  it("refuses a paused owner: once its lease passed it writes nothing and stops serving", async () => {
    const [a, b] = [await nodes.node("node-c", 2), await nodes.node("node-d", 3)];
    const front = await nodes.balancer([a.port, b.port]);
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    // Ada stays on node-c whatever happens; Ben goes through the balancer and reconnects.
    const ada = await nodes.join(link(a.port), "Ada", false);
    const ben = await nodes.join(link(front.port), "Ben");
    await everyoneDecrypts([ada, ben]);
    assert.equal(await nodes.owner(room.roomId), "node-c");
    const before = place(ben);

    const benBack = next(ben, "reconnected");
    // Ada's connection to node-c ends: node-c drops it as it wakes, or, on a slow day, Ada's own
    // silence limit (6 s) ends it while node-c is still paused.
    const adaClosed = next(ada, "closed", 60_000);
    process.kill(a.pid, "SIGSTOP");
    front.down(a.port);
    assert.deepEqual(await benBack, [true, false], "Ben resumed on node-d");
    assert.equal(await nodes.owner(room.roomId), "node-d");
    assert.deepEqual(place(ben), before, "same id, leaf and epoch");
    const holder = await nodes.probe.get(`conclave:meeting:${room.roomId}:owner`);
    const benLog = () => nodes.probe.lRange(`conclave:meeting:${room.roomId}:log:${ben.id}`, 0, -1);
    const logBefore = await benLog();

    const benChats: string[] = [];
    ben.crypto.member.on("chat", (c) => benChats.push(c.text));
    process.kill(a.pid, "SIGCONT");
    // Ada's message reaches the old owner as it wakes: it must not be written nor relayed.
    void ada.crypto.member.sendChat("to the stale owner");
    const [, , expected] = await adaClosed;
    assert.equal(expected, false, "the old owner dropped Ada: it no longer serves the meeting");
    await waitFor("node-c to say it lost the lease", () =>
      a.logs.some((line) => line.includes("lost the meeting's lease")),
    );
    await holdsFor("nothing from the stale owner reaches Ben", () => benChats.length === 0, 1000);
    assert.equal(
      await nodes.probe.get(`conclave:meeting:${room.roomId}:owner`),
      holder,
      "node-d holds the lease under the same token",
    );
    // Had node-c written Ada's message, it would be in Ben's log: only node-d wrote to it since
    // (Ben's own traffic), and nothing from Ada, who never reached node-d.
    const logAfter = await benLog();
    assert.deepEqual(logAfter.slice(0, logBefore.length), logBefore);
    const fromAda = logAfter
      .slice(logBefore.length)
      .filter((m) => m.includes(`"from":"${ada.id}"`));
    assert.deepEqual(fromAda, [], "nothing written by the stale owner");
    // The meeting goes on at node-d, on the epoch Redis holds.
    assert.equal(await nodes.storedEpoch(room.roomId), Number(ben.crypto.member.epoch));
  });

  it("keeps a replaced link replaced across the failover", async () => {
    const [g, h] = [await nodes.node("node-g", 6), await nodes.node("node-h", 7)];
    const front = await nodes.balancer([g.port, h.port]);
    const room = await newRoom();
    const oldLink = `http://127.0.0.1:${front.port}/m/${room.roomId}#${room.secret}`;
    const ada = await nodes.join(oldLink, "Ada");
    const ben = await nodes.join(oldLink, "Ben");
    const mal = await nodes.join(oldLink, "Mal", false);
    const inGroup = (bot: Bot, size: number) => bot.stats().e2ee?.roster.length === size;
    await waitFor("three in the group", () => [ada, ben, mal].every((b) => inGroup(b, 3)));
    const malFingerprint = mal.crypto.member.roster.find((r) => r.self)?.fingerprint ?? "";
    assert.equal(await ada.crypto.member.block(malFingerprint), true, "remove and block");
    await waitFor("the link replaced for Ada and Ben", () =>
      [ada, ben].every((b) => b.meetingLink !== oldLink && inGroup(b, 2)),
    );
    const newLink = ada.meetingLink;

    const back = [next(ada, "reconnected"), next(ben, "reconnected")];
    process.kill(g.pid, "SIGKILL");
    assert.deepEqual(await Promise.all(back), [
      [true, false],
      [true, false],
    ]);
    assert.equal(await nodes.owner(room.roomId), "node-h");
    await assert.rejects(
      joinBot({ url: oldLink, name: "Mal again", publish: false }),
      (e: unknown) => e instanceof ServerRefusedError && e.serverCode === "LINK_REPLACED",
      "node-h knows the link was replaced",
    );
    const cyd = await nodes.join(newLink, "Cyd");
    await waitFor("Cyd in with the new link", () => [ada, ben, cyd].every((b) => inGroup(b, 3)));
    assert.equal(await exported(cyd), await exported(ada));
  });

  it("stops a meeting while Redis is down, and starts it again as a new group once Redis is back empty", async () => {
    const own = await startRedis();
    let store = own;
    const p = await startServer({
      REDIS_URL: own.url,
      NODE_ID: "node-p",
      LEASE_TTL_MS: String(LEASE_TTL_MS),
      DRAIN_TIMEOUT_MS: "500",
      RTC_MIN_PORT: String(PORT_BASE + 12 * 50),
      RTC_MAX_PORT: String(PORT_BASE + 12 * 50 + 49),
    });
    try {
      const room = await newRoom();
      const url = `http://127.0.0.1:${p.port}/m/${room.roomId}#${room.secret}`;
      const ada = await nodes.join(url, "Ada");
      const ben = await nodes.join(url, "Ben");
      await everyoneDecrypts([ada, ben]);
      const back = [next(ada, "reconnected", 60_000), next(ben, "reconnected", 60_000)];
      await own.stop();
      const downAt = performance.now();
      // Its port stays ours while it is down (a connection there is dropped at once), so nothing
      // else on the machine takes it before Redis starts again on it.
      const placeholder = createServer((socket) => socket.destroy());
      placeholder.listen(own.port, "127.0.0.1");
      await once(placeholder, "listening");
      await waitFor("node-p to stop the meeting", () =>
        p.logs.some((line) => line.includes("lost the meeting's lease")),
      );
      // Nobody can own a meeting meanwhile: a join is refused, and its client tries again.
      const probeJoin = await SignallingClient.connect(p.url);
      probeJoin.send((await newRoom()).joinMessage());
      assert.equal((await probeJoin.next("error")).code, "SERVER_BUSY");
      probeJoin.close();
      await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (performance.now() - downAt))));
      await new Promise((resolve) => placeholder.close(resolve));
      store = await startRedis(own.port);
      // What Redis held is gone: the places cannot be taken back, so both join afresh.
      assert.deepEqual(
        (await Promise.all(back)).map(([resumed]) => resumed),
        [false, false],
      );
      await waitFor(
        "both in one new group, decrypting each other",
        async () =>
          ada.crypto.member.roster.length === 2 &&
          ben.crypto.member.roster.length === 2 &&
          (await exported(ada)) === (await exported(ben)),
        30_000,
      );
      const probe = createClient({ url: store.url });
      await probe.connect();
      const holder = await probe.get(`conclave:meeting:${room.roomId}:owner`);
      assert.match(holder ?? "", /^node-p\./, "one owner, node-p");
      probe.destroy();
    } finally {
      await p.stop();
      await store.stop();
    }
  });
});
