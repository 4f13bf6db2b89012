/**
 * People knocking in a meeting's lobby when its node dies or drains (docs/operations.md "Several
 * machines with Redis"): each knock is journaled with the meeting (its id, when it came, the digest of its
 * knock resume token; never its name), so the node that takes the meeting over holds it for the
 * reconnection window. The knocker's page knocks again presenting its token and waits on in its
 * place, under the same id; the hosts' lists keep their order, a knocker who does not come back is
 * ended for them once the window passes, and a host admits a knocker on the new node like any.
 * Two server processes on loopback behind a balancer, sharing a real redis-server
 * (redis-nodes.ts); the host is a bot, the knockers raw signalling connections with the real MLS
 * engine (knocker.ts).
 *
 * Checked: one owner, the host's place and epoch kept across the failover, the knocks' ids and
 * order kept, no name in Redis, the knocker added by the host's commit and on the host's exporter.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClient } from "@redis/client";
import { exported } from "./bot-readings.ts";
import { admitNewUpload, Knocker } from "./knocker.ts";
import { firstUpdatesIn, next, place, type RedisNodes, redisNodes } from "./redis-nodes.ts";
import { newRoom } from "./signalling-client.ts";
import type { ServerProcess } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

/** Long enough for the host to be back, short enough to see a knock that does not come back end. */
const RECONNECT_WINDOW_MS = 6000;

/** Every value Redis holds, as text: what a node wrote, for the leak check. */
async function everythingIn(url: string): Promise<string> {
  const redis = createClient({ url });
  await redis.connect();
  const out: string[] = [];
  for (const key of await redis.keys("*")) {
    const type = await redis.type(key);
    if (type === "string") out.push((await redis.get(key)) ?? "");
    if (type === "hash") out.push(JSON.stringify(await redis.hGetAll(key)));
    if (type === "list") out.push(...(await redis.lRange(key, 0, -1)));
    if (type === "zset") out.push(...(await redis.zRange(key, 0, -1)));
  }
  redis.destroy();
  return out.join("\n");
}

/** A balancer in front of `servers`, and a room there whose host Ada is in her group. */
async function hostedRoom(nodes: RedisNodes, servers: readonly ServerProcess[]) {
  const front = await nodes.balancer(servers.map((s) => s.port));
  const frontUrl = `http://127.0.0.1:${front.port}`;
  const room = await newRoom();
  const ada = await nodes.join(`${frontUrl}/m/${room.roomId}#${room.secret}`, "Ada", true);
  await waitFor("Ada's group", () => ada.crypto.member.roster.length === 1);
  await firstUpdatesIn(nodes, room.roomId, [ada]);
  return { frontUrl, room, ada };
}

describe("knocks across a failover", () => {
  let nodes: RedisNodes;
  const knockers: Knocker[] = [];
  before(async () => {
    nodes = await redisNodes();
  });
  after(async () => {
    for (const k of knockers) k.close();
    await nodes.close();
  });

  it("keeps each knock waiting in its place when the node dies; a host admits it on the next", async () => {
    const env = { RECONNECT_WINDOW_MS: String(RECONNECT_WINDOW_MS) };
    const [a, b] = [await nodes.node("node-k", 32, 1, env), await nodes.node("node-l", 33, 1, env)];
    const { frontUrl, room, ada } = await hostedRoom(nodes, [a, b]);

    // Three people knock, one after the other; names with a space, which no base64 holds.
    for (const name of ["Kim Ode", "Lou Ray", "Max Wu"]) {
      const knocker = await Knocker.knock(frontUrl, room, name);
      knockers.push(knocker);
      await waitFor(`Ada shown ${name}'s upload`, () => ada.crypto.cards.has(knocker.selfId ?? ""));
    }
    const [kim, lou, max] = knockers as [Knocker, Knocker, Knocker];
    const ids = knockers.map((k) => k.selfId);
    assert.deepEqual(
      ada.knocks.map((k) => k.id),
      ids,
    );
    const before = place(ada);
    const kimCard = ada.crypto.cards.get(kim.selfId ?? "");

    const owner = await nodes.owner(room.roomId);
    const [dead, survivor] = owner === "node-k" ? [a, b] : [b, a];
    const back = next(ada, "reconnected");
    process.kill(dead.pid, "SIGKILL");
    await waitFor("every knock's connection gone", () => knockers.every((k) => k.dropped));
    // Lou's page comes back first, then Kim's; Max closed the tab meanwhile.
    const louAgain = await lou.reconnect(frontUrl);
    const kimAgain = await kim.reconnect(frontUrl);
    assert.deepEqual(await back, [true, false], "Ada takes her place back");
    assert.equal(await nodes.owner(room.roomId), survivor === a ? "node-k" : "node-l");
    assert.deepEqual(place(ada), before, "same leaf, no new epoch");
    for (const [knocker, answer] of [
      [lou, louAgain],
      [kim, kimAgain],
    ] as const) {
      assert.equal(answer?.type, "lobby", `${knocker.name} waits in the lobby again`);
      assert.equal(answer?.type === "lobby" && answer.resumed, true, "in its knock, resumed");
      assert.equal(knocker.selfId, ids[knockers.indexOf(knocker)], "under the same id");
    }
    // The hosts' list keeps its order; Max's knock ends for them once the window passed.
    assert.deepEqual(
      ada.knocks.map((k) => k.id),
      ids,
    );
    await waitFor(
      "Max's knock to end for Ada",
      () => !ada.knocks.some((k) => k.id === max.selfId),
      RECONNECT_WINDOW_MS + 5000,
    );
    assert.deepEqual(
      ada.knocks.map((k) => k.id),
      [kim.selfId, lou.selfId],
    );
    assert.doesNotMatch(await everythingIn(nodes.redis.url), /Kim Ode|Lou Ray|Max Wu/);

    // Kim's page uploaded a fresh KeyPackage when it came back: Ada admits that one.
    await waitFor("Ada shown Kim's new upload", () => {
      const card = ada.crypto.cards.get(kim.selfId ?? "");
      return card !== undefined && card.keyPackageRef !== kimCard?.keyPackageRef;
    });
    const card = ada.crypto.cards.get(kim.selfId ?? "");
    assert.ok(card && kim.selfId);
    assert.equal(await ada.crypto.member.admit(kim.selfId, card.keyPackageRef), true);
    await waitFor("Kim in the group", () =>
      [ada.crypto.member, kim.member].every((m) => m.roster.length === 2),
    );
    await waitFor("Kim's first update in, one epoch", async () => {
      const epoch = ada.crypto.member.epoch;
      return (
        kim.member.stats.commitsSent > 0 &&
        kim.member.epoch === epoch &&
        (await nodes.storedEpoch(room.roomId)) === Number(epoch)
      );
    });
    const secret = await kim.member.exportSecret("conclave test", new Uint8Array(), 16);
    assert.equal(Buffer.from(secret ?? []).toString("hex"), await exported(ada));
    assert.deepEqual(
      ada.knocks.map((k) => k.id),
      [lou.selfId],
      "Lou still waits, in his place",
    );
  });

  it("shows a knock not back yet after a failover as away, with no upload to admit, until its knocker is back", async () => {
    const env = { RECONNECT_WINDOW_MS: String(RECONNECT_WINDOW_MS) };
    const [e, f] = [await nodes.node("node-o", 36, 1, env), await nodes.node("node-p", 37, 1, env)];
    const { frontUrl, room, ada } = await hostedRoom(nodes, [e, f]);
    const kim = await Knocker.knock(frontUrl, room, "Kim Ode");
    knockers.push(kim);
    await waitFor("Ada shown Kim's upload", () => ada.crypto.cards.has(kim.selfId ?? ""));
    const id = kim.selfId ?? "";
    const before = ada.crypto.cards.get(id);

    const dead = (await nodes.owner(room.roomId)) === "node-o" ? e : f;
    const back = next(ada, "reconnected");
    process.kill(dead.pid, "SIGKILL");
    await waitFor("Kim's connection gone", () => kim.dropped);
    assert.deepEqual(await back, [true, false], "Ada takes her place back");
    // The next node never had Kim's KeyPackage: Ada's card has nothing to admit, and says why.
    await waitFor("Kim's knock away for Ada", () => ada.knocks.some((k) => k.id === id && k.away));
    assert.equal(ada.crypto.cards.has(id), false, "no upload on Kim's card while she is away");

    const answer = await kim.reconnect(frontUrl);
    assert.equal(answer?.type === "lobby" && answer.resumed, true, "Kim waits on in her knock");
    await waitFor("Kim back for Ada", () => ada.knocks.some((k) => k.id === id && !k.away));
    await waitFor("Ada shown Kim's new upload", () => ada.crypto.cards.has(id));
    const card = ada.crypto.cards.get(id);
    assert.ok(card);
    assert.notEqual(card.keyPackageRef, before?.keyPackageRef, "the upload Kim brought back");
    assert.equal(await ada.crypto.member.admit(id, card.keyPackageRef), true);
    await waitFor("Kim in the group", () =>
      [ada.crypto.member, kim.member].every((m) => m.roster.length === 2),
    );
  });

  it("keeps a knock waiting when its node drains: told SHUTTING_DOWN, its knocker comes back to it", async () => {
    const [c, d] = [await nodes.node("node-m2", 34), await nodes.node("node-n2", 35)];
    const { frontUrl, room, ada } = await hostedRoom(nodes, [c, d]);
    const kim = await Knocker.knock(frontUrl, room, "Kim Ode");
    knockers.push(kim);
    await waitFor("Ada shown Kim's upload", () => ada.crypto.cards.has(kim.selfId ?? ""));
    const id = kim.selfId;
    const kimCard = ada.crypto.cards.get(id ?? "");

    const drained = (await nodes.owner(room.roomId)) === "node-m2" ? c : d;
    const back = next(ada, "reconnected");
    const exit = drained.stop();
    await waitFor("Kim's connection closed", () => kim.dropped);
    const told = kim.client?.received.find((m) => m.type === "error");
    assert.equal(told?.type === "error" && told.code, "SHUTTING_DOWN", "Kim told to come back");
    const answer = await kim.reconnect(frontUrl);
    assert.equal(answer?.type === "lobby" && answer.resumed, true, "Kim waits on in her knock");
    assert.equal(kim.selfId, id, "under the same id");
    assert.deepEqual(await back, [true, false], "Ada takes her place back");
    assert.equal(await exit, 0, "the drained node exits cleanly");
    assert.deepEqual(
      ada.knocks.map((k) => k.id),
      [id],
      "never ended for Ada",
    );

    assert.ok(id);
    await admitNewUpload(ada, kim, id, kimCard?.keyPackageRef);
  });
});
