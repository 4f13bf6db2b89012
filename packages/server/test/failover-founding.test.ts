/**
 * Who founds a meeting's group when several nodes share Redis (docs/operations.md "Several
 * machines with Redis"): one node owns a meeting, whichever node its first members reach, so two
 * first members arriving at once through different nodes end in one group; and a member removed
 * before its node died cannot use the failover to found the meeting anew or to get back in without
 * being let in. Server processes on loopback sharing a real redis-server (redis-nodes.ts), with
 * bots and raw signalling clients.
 *
 * Checked each time: one owner (the lease in Redis names one node, the other runs no meeting), one
 * group (one founder; every member on the same epoch and exporter), no epoch added by a failover.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bot, joinBot } from "@conclave/bot";
import { toBase64url } from "@conclave/protocol";
import { exported } from "./bot-readings.ts";
import {
  everyoneDecrypts,
  firstUpdatesIn,
  next,
  place,
  type RedisNodes,
  redisNodes,
} from "./redis-nodes.ts";
import { metric, newRoom, SignallingClient, type TestRoom } from "./signalling-client.ts";
import { holdsFor, waitFor } from "./wait-for.ts";

const ROOMS = 8;
const randomGroupId = () => toBase64url(crypto.getRandomValues(new Uint8Array(16)));
const inGroup = (bot: Bot, size: number) => bot.crypto.member.roster.length === size;

/** Joins `room` through `url` and at once claims to found its group, as a first member does. */
async function founder(url: string, room: TestRoom) {
  const client = await SignallingClient.connect(url);
  client.send(room.joinMessage());
  const welcome = await client.next("welcome", { timeoutMs: 10_000 });
  const groupId = randomGroupId();
  const sent = welcome.group === null;
  if (sent) client.send({ type: "mls-found", groupId });
  return { client, welcome, groupId, sent };
}

describe("founding a meeting across nodes", () => {
  let nodes: RedisNodes;
  before(async () => {
    nodes = await redisNodes();
  });
  after(() => nodes.close());

  it("gives two first members arriving through different nodes at once one owner and one group", async () => {
    const [w, x] = [await nodes.node("node-w", 17), await nodes.node("node-x", 18)];
    const openRooms = async () =>
      (await metric(w.metricsUrl, "conclave_rooms")) +
      (await metric(x.metricsUrl, "conclave_rooms"));
    const names = new Map([
      [w.url, "node-w"],
      [x.url, "node-x"],
    ]);
    // Many rooms, raw clients: each room's two first joins race for its lease.
    const joined: SignallingClient[] = [];
    for (let i = 0; i < ROOMS; i++) {
      const room = await newRoom();
      const [one, two] = await Promise.all([founder(w.url, room), founder(x.url, room)]);
      const owner = await nodes.owner(room.roomId);
      assert.ok(owner === "node-w" || owner === "node-x", "one node holds the lease");
      // Whichever node a joiner asks, it hears of one group: one founder's, the other refused.
      let seen = [await groupSeen(w.url, room), await groupSeen(x.url, room)];
      await waitFor("the group founded", async () => {
        seen = [await groupSeen(w.url, room), await groupSeen(x.url, room)];
        return seen.every((group) => group !== null);
      });
      assert.deepEqual(seen[0], seen[1], "both nodes tell of the same group");
      const founded = [one, two].filter((f) => f.sent && f.groupId === seen[0]?.groupId);
      assert.equal(founded.length, 1, "one of the two founded it");
      for (const f of [one, two]) {
        if (!f.sent || f === founded[0]) continue;
        assert.equal((await f.client.next("error")).code, "GROUP_EXISTS", "the other is refused");
      }
      const forwarder = owner === "node-w" ? x : w;
      assert.ok(
        forwarder.logs.some((line) => line.includes("connection forwarded to the meeting's node")),
        `${names.get(forwarder.url)} passed its joiner on to the owner`,
      );
      joined.push(one.client, two.client);
    }
    // Each room open on one node only, with both its joiners still in it.
    const open = (
      await Promise.all([w, x].map((n) => metric(n.metricsUrl, "conclave_rooms")))
    ).reduce((sum, n) => sum + n, 0);
    assert.equal(open, ROOMS, "every room open on one node, none on both");
    for (const client of joined) {
      client.send({ type: "leave" });
      client.close();
    }
    await waitFor("the raw clients' rooms closed", async () => (await openRooms()) === 0);

    // And with the app's engine: both end in one group, whichever founded it.
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    const bots = await Promise.all([
      nodes.join(link(w.port), "Ada", false),
      nodes.join(link(x.port), "Ben", false),
    ]);
    await waitFor("both in one group", () => bots.every((b) => inGroup(b, 2)));
    // The joiner's first update follows its Add at once: read in between, the epoch was one ahead.
    await firstUpdatesIn(nodes, room.roomId, bots);
    const [ada, ben] = bots as [Bot, Bot];
    assert.equal(ada.crypto.member.epoch, ben.crypto.member.epoch);
    assert.equal(await exported(ada), await exported(ben));
    assert.equal(await openRooms(), 1, "one node runs the meeting");
    assert.equal(await nodes.storedEpoch(room.roomId), Number(ada.crypto.member.epoch));
  });

  it("lets no removed member found the meeting anew or get back in unadmitted across a failover", async () => {
    const [u, v] = [await nodes.node("node-u", 19), await nodes.node("node-v", 20)];
    const front = await nodes.balancer([u.port, v.port]);
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    const ada = await nodes.join(link(front.port), "Ada");
    const ben = await nodes.join(link(front.port), "Ben");
    const mal = await nodes.join(link(front.port), "Mal", false);
    await waitFor("three in the group", () => [ada, ben, mal].every((b) => inGroup(b, 3)));
    // From now on, only those the host lets in join; then Mal is removed (its link still works).
    assert.equal(
      await ada.crypto.member.setLobby({ lobbyMandatory: true, knockingEnabled: true }),
      true,
    );
    const malLeaf = mal.crypto.member.ownLeaf ?? -1;
    await waitFor("the lobby in force", () => mal.crypto.member.epoch === ada.crypto.member.epoch);
    assert.equal(await ada.crypto.member.remove(malLeaf), true);
    await waitFor("Mal removed", () => [ada, ben].every((b) => inGroup(b, 2)));
    await everyoneDecrypts([ada, ben]);
    await firstUpdatesIn(nodes, room.roomId, [ada, ben]);
    assert.equal(await nodes.owner(room.roomId), "node-u");
    const before = [ada, ben].map(place);
    const secret = await exported(ada);
    const groupWelcome = await groupSeen(v.url, room);

    const back = [next(ada, "reconnected"), next(ben, "reconnected")];
    process.kill(u.pid, "SIGKILL");
    // Mal races the members to node-v, which waits for the dead node's lease: its join may be the
    // one that takes the meeting over. It claims to found the group as a first member would.
    const racing = founder(v.url, room);
    const malAgain = joinBot({ url: link(v.port), name: "Mal again", publish: false });
    const { client, welcome } = await racing;
    assert.deepEqual(welcome.group, groupWelcome, "the meeting's group, as Redis kept it");
    client.send({ type: "mls-found", groupId: randomGroupId() });
    assert.equal((await client.next("error")).code, "GROUP_EXISTS", "no second group");
    assert.deepEqual(await Promise.all(back), [
      [true, false],
      [true, false],
    ]);
    assert.equal(await nodes.owner(room.roomId), "node-v");
    const again = await malAgain;
    try {
      // Its KeyPackage waits for the host's admit: nobody adds it.
      await holdsFor(
        "Mal kept out, the group unchanged",
        () => [ada, ben].every((b) => inGroup(b, 2)) && again.crypto.member.status !== "member",
        3000,
      );
    } finally {
      again.close();
      client.close();
    }
    assert.deepEqual([ada, ben].map(place), before, "same leaves, no new epoch");
    assert.equal(await exported(ada), secret);
    assert.equal(await exported(ben), secret);
    assert.equal(await nodes.storedEpoch(room.roomId), Number(before[0]?.epoch));
  });
});

/** The group a joiner is told of now, through the node at `url`: id and epoch. */
async function groupSeen(url: string, room: TestRoom) {
  const client = await SignallingClient.connect(url);
  client.send(room.joinMessage());
  const { group } = await client.next("welcome");
  client.close();
  return group;
}
