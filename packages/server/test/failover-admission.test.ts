/**
 * A joiner waiting for a host's admit when the meeting's node dies (docs/operations.md "Several
 * machines with Redis"): its place was never held (it has no leaf), so it joins again on the node
 * that takes the meeting over, and its new KeyPackage waits for the host there; admitted, it is
 * in. Two server processes on loopback behind a balancer, sharing a real redis-server
 * (redis-nodes.ts); the members are bots.
 *
 * Checked: one owner, the host's place and epoch kept across the failover, the joiner added by the
 * host's one commit and on the host's exporter.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { exported } from "./bot-readings.ts";
import { firstUpdatesIn, next, place, type RedisNodes, redisNodes } from "./redis-nodes.ts";
import { newRoom } from "./signalling-client.ts";
import { holdsFor, waitFor } from "./wait-for.ts";

describe("admission across a failover", () => {
  let nodes: RedisNodes;
  before(async () => {
    nodes = await redisNodes();
  });
  after(() => nodes.close());

  it("lets a host admit, after the failover, a joiner that was waiting when the node died", async () => {
    const [a, b] = [await nodes.node("node-y", 28), await nodes.node("node-z", 29)];
    const front = await nodes.balancer([a.port, b.port]);
    const room = await newRoom();
    const url = `http://127.0.0.1:${front.port}/m/${room.roomId}#${room.secret}`;
    const ada = await nodes.join(url, "Ada", true);
    await waitFor("Ada's group", () => ada.crypto.member.roster.length === 1);
    assert.equal(
      await ada.crypto.member.setLobby({ lobbyMandatory: true, knockingEnabled: true }),
      true,
    );
    await firstUpdatesIn(nodes, room.roomId, [ada]);
    const dan = await nodes.join(url, "Dan", true);
    await waitFor("Ada to be shown Dan's upload", () => ada.crypto.cards.has(dan.id));
    await holdsFor("Dan waiting for the host", () => ada.crypto.member.roster.length === 1, 1000);
    const before = place(ada);
    const firstId = dan.id;

    const back = [next(ada, "reconnected"), next(dan, "reconnected")];
    process.kill(a.pid, "SIGKILL");
    const [adaBack, danBack] = await Promise.all(back);
    assert.deepEqual(adaBack, [true, false], "Ada takes her place back");
    assert.equal(danBack?.[0], false, "Dan had no place to take back: he joins again");
    assert.equal(await nodes.owner(room.roomId), "node-z");
    assert.deepEqual(place(ada), before, "same leaf, no new epoch");

    await waitFor("Ada to be shown Dan's new upload", () => ada.crypto.cards.has(dan.id));
    assert.notEqual(dan.id, firstId);
    const card = ada.crypto.cards.get(dan.id);
    assert.ok(card);
    assert.equal(await ada.crypto.member.admit(dan.id, card.keyPackageRef), true);
    await waitFor("Dan admitted", () =>
      [ada, dan].every((bot) => bot.crypto.member.roster.length === 2),
    );
    // Dan's own first update follows his Add at once (docs/e2ee.md "Who commits"): read the
    // epoch once it is in, not while it may be on its way.
    await firstUpdatesIn(nodes, room.roomId, [ada, dan]);
    assert.equal(
      ada.crypto.member.epoch,
      (before.epoch ?? 0n) + 2n,
      "two commits: the Add, then Dan's first update",
    );
    assert.equal(await exported(dan), await exported(ada));
    assert.equal(await nodes.storedEpoch(room.roomId), Number(ada.crypto.member.epoch));
  });
});
