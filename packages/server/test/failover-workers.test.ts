/**
 * A whole node running several workers dies (docs/operations.md "Several machines with Redis"):
 * each of its workers held the leases of its own meetings; when the node's primary is killed
 * (SIGKILL, as a lost machine) its workers go with it, and another node takes every one of those
 * meetings over. Two server processes on loopback, one with WORKERS=2, behind a balancer, sharing
 * a real redis-server (redis-nodes.ts); the members are bots.
 *
 * Checked: the meetings ran in both workers; after the kill one owner each, the surviving node;
 * same ids and leaves, no new epoch, every member of a meeting on its exporter; media again.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bot } from "@conclave/bot";
import { decryptedFrom, exported } from "./bot-readings.ts";
import {
  everyoneDecrypts,
  firstUpdatesIn,
  next,
  place,
  type RedisNodes,
  redisNodes,
} from "./redis-nodes.ts";
import { newRoom } from "./signalling-client.ts";
import { waitFor } from "./wait-for.ts";

/** The worker each meeting was placed on, as the primary logged it (cluster/primary.ts). */
function placedWorkers(logs: readonly string[]): number[] {
  return logs
    .filter((line) => line.includes('"meeting placed"'))
    .map((line) => JSON.parse(line).worker as number);
}

describe("a node with workers dies", () => {
  let nodes: RedisNodes;
  before(async () => {
    nodes = await redisNodes();
  });
  after(() => nodes.close());

  it("carries on the meetings of every worker of a node that died, on another node", async (t) => {
    const [k, l] = [await nodes.node("node-k3", 26, 2), await nodes.node("node-l3", 27)];
    const front = await nodes.balancer([k.port, l.port]);
    const meetings: { room: string; bots: Bot[] }[] = [];
    for (const names of [
      ["Ada", "Ben"],
      ["Cyd", "Dan"],
    ]) {
      const room = await newRoom();
      const url = `http://127.0.0.1:${front.port}/m/${room.roomId}#${room.secret}`;
      const bots: Bot[] = [];
      for (const name of names) bots.push(await nodes.join(url, name));
      await everyoneDecrypts(bots);
      await firstUpdatesIn(nodes, room.roomId, bots);
      assert.equal(await nodes.owner(room.roomId), "node-k3");
      meetings.push({ room: room.roomId, bots });
    }
    assert.deepEqual(
      placedWorkers(k.logs).sort(),
      [0, 1],
      "one meeting in each of node-k3's workers",
    );
    const everyone = meetings.flatMap((m) => m.bots);
    const before = everyone.map(place);
    const counts = meetings.map(({ bots: [a, b] }) => [
      decryptedFrom(a as Bot, b as Bot),
      decryptedFrom(b as Bot, a as Bot),
    ]);

    const back = everyone.map((bot) => next(bot, "reconnected"));
    process.kill(k.pid, "SIGKILL");
    const killedAt = performance.now();
    for (const reconnected of await Promise.all(back)) assert.deepEqual(reconnected, [true, false]);
    const resumedMs = performance.now() - killedAt;
    for (const { room } of meetings) {
      assert.equal(await nodes.owner(room), "node-l3", "node-l3 took the meeting over");
    }
    assert.deepEqual(everyone.map(place), before, "same ids, leaves and epochs");
    for (const [i, { room, bots }] of meetings.entries()) {
      const [a, b] = bots as [Bot, Bot];
      assert.equal(await exported(a), await exported(b));
      assert.equal(await nodes.storedEpoch(room), Number(a.crypto.member.epoch));
      await waitFor(
        "media both ways again",
        () =>
          decryptedFrom(a, b) > (counts[i]?.[0] ?? 0) + 20 &&
          decryptedFrom(b, a) > (counts[i]?.[1] ?? 0) + 20,
      );
    }
    t.diagnostic(`a node with 2 workers killed: all 4 resumed ${Math.round(resumedMs)} ms after`);
  });
});
