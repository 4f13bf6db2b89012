/**
 * A meeting outlives the node that ran it (DESIGN.md §5, docs/operations.md "Several machines"):
 * two server processes on loopback, each on its own slice of media ports, share a real
 * redis-server started here, behind a TCP balancer that sends each connection to the first node
 * that answers. The node that owns a meeting is killed (SIGKILL) or paused (SIGSTOP) past its
 * lease; the members, bots with the same engine as the web app, reconnect with their resume
 * tokens to the other node, which takes the lease and carries the meeting on from Redis.
 *
 * A node that does not own a meeting forwards its connections to the owner.
 *
 * Checked each time: at most one owner (the lease in Redis names one node), no write from a stale
 * owner, one commit per epoch (no epoch added by the failover), every member on the same epoch and
 * exporter.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bot, type BotEvents, joinBot, ServerRefusedError } from "@conclave/bot";
import { createClient } from "@redis/client";
import { type Balancer, balancer } from "./balancer.ts";
import { type NetworkCut, networkCut } from "./network-cut.ts";
import { type RedisProcess, startRedis } from "./redis-server.ts";
import { metric, newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { holdsFor, waitFor } from "./wait-for.ts";

const LEASE_TTL_MS = 1500;
/** Each node's media ports, apart from the other's and, by the test's pid, from other runs'. */
const PORT_BASE = 20_000 + (process.pid % 180) * 200;

/** The arguments of `bot`'s next `event`; fails after `ms`. */
function next<K extends keyof BotEvents>(bot: Bot, event: K, ms = 30_000): Promise<BotEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${bot.stats().name}'s ${event}`));
    }, ms);
    const off = bot.on(event, (...args) => {
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}

const decryptedFrom = (receiver: Bot, sender: Bot) => {
  const leaf = sender.crypto.member.ownLeaf;
  return leaf === undefined
    ? 0
    : (receiver.stats().e2ee?.frames.senders[String(leaf)]?.decrypted ?? 0);
};

async function exported(bot: Bot): Promise<string> {
  const secret = await bot.crypto.member.exportSecret("failover test", new Uint8Array(), 16);
  return Buffer.from(secret ?? []).toString("hex");
}

/** Where each bot is in the group: id, leaf, epoch. */
const place = (bot: Bot) => ({
  id: bot.id,
  leaf: bot.crypto.member.ownLeaf,
  epoch: bot.crypto.member.epoch,
});

describe("a meeting survives its node", () => {
  let redis: RedisProcess;
  let probe: ReturnType<typeof createClient>;
  const nodes: ServerProcess[] = [];
  const fronts: (Balancer | NetworkCut)[] = [];
  const bots: Bot[] = [];

  const startNode = async (name: string, slice: number, workers = 1) => {
    const node = await startServer({
      WORKERS: String(workers),
      REDIS_URL: redis.url,
      NODE_ID: name,
      LEASE_TTL_MS: String(LEASE_TTL_MS),
      // The other node forwards connections: it is the proxy whose X-Forwarded-For is believed.
      TRUSTED_PROXIES: "127.0.0.1",
      DRAIN_TIMEOUT_MS: "500",
      RTC_MIN_PORT: String(PORT_BASE + slice * 50),
      RTC_MAX_PORT: String(PORT_BASE + slice * 50 + 49),
    });
    nodes.push(node);
    return node;
  };
  const join = async (url: string, name: string, reconnect = true) => {
    const bot = await joinBot({ url, name, reconnect });
    bots.push(bot);
    return bot;
  };
  /** The lease's holder in Redis: `<node id>.<suffix> <token>`, or null. */
  const owner = async (room: string) =>
    (await probe.get(`conclave:meeting:${room}:owner`))?.split(".")[0] ?? null;
  const storedEpoch = async (room: string) => {
    const state = await probe.get(`conclave:meeting:${room}:state`);
    return state === null ? null : (JSON.parse(state).delivery?.epoch as number);
  };
  const everyoneDecrypts = (group: readonly Bot[], more = 50) =>
    waitFor("everyone to decrypt everyone", () =>
      group.every((r) => group.every((s) => r === s || decryptedFrom(r, s) > more)),
    );

  before(async () => {
    redis = await startRedis();
    probe = createClient({ url: redis.url });
    probe.on("error", () => {});
    await probe.connect();
  });
  after(async () => {
    for (const bot of bots) bot.close();
    for (const front of fronts) await front.close();
    for (const node of nodes) {
      try {
        process.kill(node.pid, "SIGCONT");
      } catch {}
      await node.stop();
    }
    probe.destroy();
    await redis.stop();
  });

  it("carries a meeting on when its node is killed: same leaves, no new epoch, nothing lost", async (t) => {
    const [a, b] = [await startNode("node-a", 0), await startNode("node-b", 1)];
    const front = await balancer([a.port, b.port]);
    fronts.push(front);
    // Cyd reaches the balancer through a network the test cuts: it stays away for a while.
    const cydPath = await networkCut(front.port);
    fronts.push(cydPath);
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    const ada = await join(link(front.port), "Ada");
    const ben = await join(link(front.port), "Ben");
    const cyd = await join(link(cydPath.port), "Cyd");
    const everyone = [ada, ben, cyd];
    await everyoneDecrypts(everyone);
    assert.equal(await owner(room.roomId), "node-a");
    const before = everyone.map(place);
    const epoch = ada.crypto.member.epoch ?? 0n;
    assert.equal(await storedEpoch(room.roomId), Number(epoch), "Redis follows the epoch");

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
    assert.equal(await owner(room.roomId), "node-b", "node-b holds the lease now");
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
    assert.equal(await storedEpoch(room.roomId), Number(epoch + 1n));
    const counts = everyone.map((r) => everyone.map((s) => decryptedFrom(r, s)));
    await waitFor("media among all three again", () =>
      everyone.every((r, i) =>
        everyone.every((s, j) => r === s || decryptedFrom(r, s) > (counts[i]?.[j] ?? 0) + 20),
      ),
    );
    assert.equal(await owner(room.roomId), "node-b");
    t.diagnostic(
      `failover: kill → Ada and Ben resumed ${Math.round(resumedMs)} ms, media back ` +
        `${Math.round(mediaGapMs)} ms, Cyd (held away) resumed ${Math.round(allResumedMs)} ms; ` +
        "epochs added 0, messages lost 0",
    );
  });

  it("carries a meeting on when its node is killed mid-commit: the group settles on one commit", async () => {
    const [a, b] = [await startNode("node-m", 10), await startNode("node-n", 11)];
    const front = await balancer([a.port, b.port]);
    fronts.push(front);
    const room = await newRoom();
    const url = `http://127.0.0.1:${front.port}/m/${room.roomId}#${room.secret}`;
    const everyone = [await join(url, "Ada"), await join(url, "Ben"), await join(url, "Cyd")];
    const [ada] = everyone as [Bot, Bot, Bot];
    await everyoneDecrypts(everyone);
    const before = everyone.map(place);
    const epoch = ada.crypto.member.epoch ?? 0n;
    const back = everyone.map((bot) => next(bot, "reconnected"));
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
    assert.deepEqual(
      everyone.map(place),
      before.map((p) => ({ ...p, epoch: epoch + 1n })),
      "same leaves, one commit",
    );
    assert.deepEqual(await Promise.all(everyone.map(exported)), Array(3).fill(await exported(ada)));
    assert.equal(await storedEpoch(room.roomId), Number(epoch + 1n));
    assert.equal(await owner(room.roomId), "node-n");
  });

  it("refuses a paused owner: once its lease passed it writes nothing and stops serving", async () => {
    const [a, b] = [await startNode("node-c", 2), await startNode("node-d", 3)];
    const front = await balancer([a.port, b.port]);
    fronts.push(front);
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    // Ada stays on node-c whatever happens; Ben goes through the balancer and reconnects.
    const ada = await join(link(a.port), "Ada", false);
    const ben = await join(link(front.port), "Ben");
    await everyoneDecrypts([ada, ben]);
    assert.equal(await owner(room.roomId), "node-c");
    const before = place(ben);

    const benBack = next(ben, "reconnected");
    process.kill(a.pid, "SIGSTOP");
    front.down(a.port);
    assert.deepEqual(await benBack, [true, false], "Ben resumed on node-d");
    assert.equal(await owner(room.roomId), "node-d");
    assert.deepEqual(place(ben), before, "same id, leaf and epoch");
    const takenOver = {
      owner: await probe.get(`conclave:meeting:${room.roomId}:owner`),
      state: await probe.get(`conclave:meeting:${room.roomId}:state`),
      ada: await probe.lRange(`conclave:meeting:${room.roomId}:log:${ada.id}`, 0, -1),
      ben: await probe.lRange(`conclave:meeting:${room.roomId}:log:${ben.id}`, 0, -1),
    };

    const benChats: string[] = [];
    ben.crypto.member.on("chat", (c) => benChats.push(c.text));
    const adaClosed = next(ada, "closed");
    process.kill(a.pid, "SIGCONT");
    // Ada's message reaches the old owner as it wakes: it must not be written nor relayed.
    void ada.crypto.member.sendChat("to the stale owner");
    const [, , expected] = await adaClosed;
    assert.equal(expected, false, "the old owner dropped Ada: it no longer serves the meeting");
    await waitFor("node-c to say it lost the lease", () =>
      a.logs.some((line) => line.includes("lost the meeting's lease")),
    );
    await holdsFor("nothing from the stale owner reaches Ben", () => benChats.length === 0, 1000);
    assert.deepEqual(
      {
        owner: await probe.get(`conclave:meeting:${room.roomId}:owner`),
        state: await probe.get(`conclave:meeting:${room.roomId}:state`),
        ada: await probe.lRange(`conclave:meeting:${room.roomId}:log:${ada.id}`, 0, -1),
        ben: await probe.lRange(`conclave:meeting:${room.roomId}:log:${ben.id}`, 0, -1),
      },
      takenOver,
      "Redis holds what node-d wrote, nothing from node-c",
    );
    // The meeting goes on at node-d, on the epoch Redis holds.
    assert.equal(await storedEpoch(room.roomId), Number(ben.crypto.member.epoch));
  });

  it("forwards a connection to the meeting's node, and takes the meeting over when it dies", async () => {
    const [e, f] = [await startNode("node-e", 4), await startNode("node-f", 5)];
    const front = await balancer([e.port, f.port]);
    fronts.push(front);
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    // Ada reaches node-e through the balancer; Ben reaches node-f, which is not the owner.
    const ada = await join(link(front.port), "Ada");
    const ben = await join(link(f.port), "Ben");
    await everyoneDecrypts([ada, ben]);
    assert.equal(await owner(room.roomId), "node-e");
    assert.ok(f.logs.some((line) => line.includes("connection forwarded to the meeting's node")));
    assert.equal(await metric(f.metricsUrl, "conclave_rooms"), 0, "node-f runs no meeting");
    const before = [ada, ben].map(place);

    const back = [next(ada, "reconnected"), next(ben, "reconnected")];
    const counts = [decryptedFrom(ada, ben), decryptedFrom(ben, ada)];
    process.kill(e.pid, "SIGKILL");
    // Ada comes through the balancer, Ben straight to node-f: it cannot forward to a dead owner,
    // so it waits for the lease and takes the meeting over.
    assert.deepEqual(await Promise.all(back), [
      [true, false],
      [true, false],
    ]);
    assert.equal(await owner(room.roomId), "node-f");
    assert.deepEqual([ada, ben].map(place), before, "same ids, leaves and epoch");
    assert.equal(await exported(ada), await exported(ben));
    await waitFor(
      "media both ways again",
      () =>
        decryptedFrom(ada, ben) > (counts[0] ?? 0) + 20 &&
        decryptedFrom(ben, ada) > (counts[1] ?? 0) + 20,
    );
    assert.equal(await storedEpoch(room.roomId), Number(ada.crypto.member.epoch));
  });

  it("keeps a replaced link replaced across the failover", async () => {
    const [g, h] = [await startNode("node-g", 6), await startNode("node-h", 7)];
    const front = await balancer([g.port, h.port]);
    fronts.push(front);
    const room = await newRoom();
    const oldLink = `http://127.0.0.1:${front.port}/m/${room.roomId}#${room.secret}`;
    const ada = await join(oldLink, "Ada");
    const ben = await join(oldLink, "Ben");
    const mal = await join(oldLink, "Mal", false);
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
    assert.equal(await owner(room.roomId), "node-h");
    await assert.rejects(
      joinBot({ url: oldLink, name: "Mal again", publish: false }),
      (e: unknown) => e instanceof ServerRefusedError && e.serverCode === "LINK_REPLACED",
      "node-h knows the link was replaced",
    );
    const cyd = await join(newLink, "Cyd");
    await waitFor("Cyd in with the new link", () => [ada, ben, cyd].every((b) => inGroup(b, 3)));
    assert.equal(await exported(cyd), await exported(ada));
  });

  it("forwards to a node whose meetings run in its workers (WORKERS=2)", async () => {
    const [k, l] = [await startNode("node-k", 8, 2), await startNode("node-l", 9)];
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    const ada = await join(link(k.port), "Ada");
    const ben = await join(link(l.port), "Ben");
    await everyoneDecrypts([ada, ben]);
    assert.equal(await owner(room.roomId), "node-k", "a worker of node-k holds the lease");
    assert.ok(l.logs.some((line) => line.includes("connection forwarded to the meeting's node")));
    assert.equal(await exported(ada), await exported(ben));
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
    nodes.push(p);
    try {
      const room = await newRoom();
      const url = `http://127.0.0.1:${p.port}/m/${room.roomId}#${room.secret}`;
      const ada = await join(url, "Ada");
      const ben = await join(url, "Ben");
      await everyoneDecrypts([ada, ben]);
      const back = [next(ada, "reconnected", 60_000), next(ben, "reconnected", 60_000)];
      await own.stop();
      const downAt = performance.now();
      await waitFor("node-p to stop the meeting", () =>
        p.logs.some((line) => line.includes("lost the meeting's lease")),
      );
      // Nobody can own a meeting meanwhile: a join is refused, and its client tries again.
      const probeJoin = await SignallingClient.connect(p.url);
      probeJoin.send((await newRoom()).joinMessage());
      assert.equal((await probeJoin.next("error")).code, "SERVER_BUSY");
      probeJoin.close();
      await new Promise((r) => setTimeout(r, Math.max(0, 10_000 - (performance.now() - downAt))));
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
      await store.stop();
    }
  });
});
