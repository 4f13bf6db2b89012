/**
 * Any node takes any connection (docs/architecture.md "Many machines: a meeting outlives its
 * node"): a node whose meeting runs elsewhere passes the connection on to the owner, whether that
 * runs in one process or in a worker; and when the owner dies, the node that could not forward
 * any more takes the meeting over. Server processes on loopback sharing a real redis-server
 * (redis-nodes.ts), with bots.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { decryptedFrom, exported } from "./bot-readings.ts";
import { everyoneDecrypts, next, place, type RedisNodes, redisNodes } from "./redis-nodes.ts";
import { metric, newRoom } from "./signalling-client.ts";
import { waitFor } from "./wait-for.ts";

describe("forwarding to the meeting's node", () => {
  let nodes: RedisNodes;
  before(async () => {
    nodes = await redisNodes();
  });
  after(() => nodes.close());

  it("forwards a connection to the meeting's node, and takes the meeting over when it dies", async () => {
    const [e, f] = [await nodes.node("node-e", 4), await nodes.node("node-f", 5)];
    const front = await nodes.balancer([e.port, f.port]);
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    // Ada reaches node-e through the balancer; Ben reaches node-f, which is not the owner.
    const ada = await nodes.join(link(front.port), "Ada");
    const ben = await nodes.join(link(f.port), "Ben");
    await everyoneDecrypts([ada, ben]);
    assert.equal(await nodes.owner(room.roomId), "node-e");
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
    assert.equal(await nodes.owner(room.roomId), "node-f");
    assert.deepEqual([ada, ben].map(place), before, "same ids, leaves and epoch");
    assert.equal(await exported(ada), await exported(ben));
    await waitFor(
      "media both ways again",
      () =>
        decryptedFrom(ada, ben) > (counts[0] ?? 0) + 20 &&
        decryptedFrom(ben, ada) > (counts[1] ?? 0) + 20,
    );
    assert.equal(await nodes.storedEpoch(room.roomId), Number(ada.crypto.member.epoch));
  });

  it("forwards to a node whose meetings run in its workers (WORKERS=2)", async () => {
    const [k, l] = [await nodes.node("node-k", 8, 2), await nodes.node("node-l", 9)];
    const room = await newRoom();
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    const ada = await nodes.join(link(k.port), "Ada");
    const ben = await nodes.join(link(l.port), "Ben");
    await everyoneDecrypts([ada, ben]);
    assert.equal(await nodes.owner(room.roomId), "node-k", "a worker of node-k holds the lease");
    assert.ok(l.logs.some((line) => line.includes("connection forwarded to the meeting's node")));
    assert.equal(await exported(ada), await exported(ben));
  });
});
