/**
 * One resume token presented on two nodes at once (docs/operations.md "Several machines with
 * Redis"): a held place is given back once. The token is single-use: the first `join` that
 * presents it takes the place (and a new token, in its `welcome`); the other is refused with
 * RESUME_TOKEN_USED and seated nowhere, whether the meeting's owner is alive (both reach it, one
 * forwarded) or dead (both nodes race for its lease), and so is the token presented again later,
 * on any node. Server processes on loopback sharing a real redis-server (redis-nodes.ts), bots,
 * and raw signalling clients presenting the token of a bot whose connection was cut.
 *
 * Checked each time: one owner, the place given back once (the members list its id once, at its
 * leaf, and nobody else at that leaf), nobody new seated, no epoch added, every member on the
 * same exporter.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Bot } from "@conclave/bot";
import { PROTOCOL_VERSION, type ServerMessage } from "@conclave/protocol";
import { exported } from "./bot-readings.ts";
import { networkCut } from "./network-cut.ts";
import { everyoneDecrypts, next, place, type RedisNodes, redisNodes } from "./redis-nodes.ts";
import { newRoom, SignallingClient, type TestRoom } from "./signalling-client.ts";
import { waitFor } from "./wait-for.ts";

type Welcome = Extract<ServerMessage, { type: "welcome" }>;

/** The place the server last gave through `heard` (what it sent one client): id and token. */
function lastPlace(heard: string): { participantId: string; token: string } {
  const places = [...heard.matchAll(/"selfId":"([^"]+)".*?"resumeToken":"([\w-]{43})"/gs)];
  const last = places.at(-1);
  if (!last?.[1] || !last[2]) throw new Error("no welcome heard");
  return { participantId: last[1], token: last[2] };
}

/** Presents `resume` to the node at `url` and answers its welcome (or its refusal). */
async function present(url: string, room: TestRoom, resume: ReturnType<typeof lastPlace>) {
  const client = await SignallingClient.connect(url);
  client.send({
    type: "join",
    protocol: PROTOCOL_VERSION,
    roomId: room.roomId,
    serverKey: room.serverKey,
    resume: { ...resume, received: 0 },
  });
  const answered = () => client.received.find((m) => m.type === "welcome" || m.type === "error");
  await waitFor("a welcome or a refusal", () => answered() !== undefined, 15_000);
  const answer = answered();
  return answer?.type === "welcome"
    ? { client, welcome: answer as Welcome }
    : { client, refused: answer?.type === "error" ? answer.code : "none" };
}

/** Both answers: exactly one place given back, to `id`; the other refused as a used token. */
function oneGivenBack(answers: Awaited<ReturnType<typeof present>>[], id: string): void {
  const given = answers.filter((a) => a.welcome?.resumed === true);
  assert.equal(given.length, 1, "the place is given back once");
  assert.equal(given[0]?.welcome?.selfId, id, "to its own id");
  const other = answers.find((a) => a !== given[0]);
  assert.equal(other?.welcome, undefined, "the other is seated nowhere");
  assert.equal(other?.refused, "RESUME_TOKEN_USED", "but told the token was used");
}

describe("one resume token on two nodes", () => {
  let nodes: RedisNodes;
  before(async () => {
    nodes = await redisNodes();
  });
  after(() => nodes.close());

  /**
   * Ada (through `adaPort`) and Ben in a meeting owned by the node at `ownerPort`; Ben's
   * connection cut: his token, his place.
   */
  async function benAway(ownerPort: number, adaPort: number, room: TestRoom) {
    const link = (port: number) => `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;
    const benPath = await networkCut(ownerPort);
    nodes.keep(benPath);
    const ada = await nodes.join(link(adaPort), "Ada", adaPort !== ownerPort);
    const ben = await nodes.join(link(benPath.port), "Ben", false);
    await everyoneDecrypts([ada, ben]);
    const benPlace = place(ben);
    const resume = lastPlace(benPath.heard());
    assert.equal(resume.participantId, ben.id);
    const left = next(ada, "participant-left");
    benPath.cut();
    await left;
    return { ada, ben, benPlace, resume };
  }

  /** Ada sees Ben's id once, at his leaf, nobody else there, and nobody new. */
  function seatedOnce(ada: Bot, benPlace: ReturnType<typeof place>): void {
    assert.deepEqual(
      ada.participants.map((p) => p.id),
      [benPlace.id],
      "Ada sees Ben and nobody else",
    );
    const atLeaf = ada.participants.filter((p) => p.leaf === benPlace.leaf);
    assert.deepEqual(
      atLeaf.map((p) => p.id),
      [benPlace.id],
      "one participant at Ben's leaf: Ben",
    );
    assert.equal(ada.participants.filter((p) => p.id === benPlace.id).length, 1);
  }

  it("gives a held place back once when its token reaches the owner and another node at once", async () => {
    const [o, p] = [await nodes.node("node-o", 21), await nodes.node("node-p", 22)];
    const room = await newRoom();
    const { ada, benPlace, resume } = await benAway(o.port, o.port, room);
    assert.equal(await nodes.owner(room.roomId), "node-o");
    const epoch = ada.crypto.member.epoch;
    const answers = await Promise.all([present(o.url, room, resume), present(p.url, room, resume)]);
    oneGivenBack(answers, benPlace.id);
    await waitFor("Ada to see Ben back", () => ada.participants.some((x) => x.id === benPlace.id));
    seatedOnce(ada, benPlace);
    assert.equal(ada.crypto.member.epoch, epoch, "no new epoch");
    assert.equal(await nodes.owner(room.roomId), "node-o");
    // The token given out once is spent: presented again, on either node, it is refused.
    const again = [await present(p.url, room, resume), await present(o.url, room, resume)];
    for (const a of again) {
      assert.equal(a.welcome, undefined, "a spent token opens nothing");
      assert.equal(a.refused, "RESUME_TOKEN_USED");
    }
    seatedOnce(ada, benPlace);
    for (const a of [...answers, ...again]) a.client.close();
  });

  it("gives a held place back once when its token reaches two nodes racing for a dead owner's lease", async (t) => {
    const [o, p, q] = [
      await nodes.node("node-o2", 23),
      await nodes.node("node-p2", 24),
      await nodes.node("node-q2", 25),
    ];
    const room = await newRoom();
    // Ada goes through a balancer, so she comes back once the owner dies.
    const front = await nodes.balancer([o.port, p.port]);
    const { ada, benPlace, resume } = await benAway(o.port, front.port, room);
    assert.equal(await nodes.owner(room.roomId), "node-o2");
    const secret = await exported(ada);
    const epoch = ada.crypto.member.epoch;

    const back = next(ada, "reconnected");
    process.kill(o.pid, "SIGKILL");
    const startedAt = performance.now();
    const answers = await Promise.all([present(p.url, room, resume), present(q.url, room, resume)]);
    const answeredMs = performance.now() - startedAt;
    oneGivenBack(answers, benPlace.id);
    const owner = await nodes.owner(room.roomId);
    assert.ok(owner === "node-p2" || owner === "node-q2", "one of the two took the lease");
    // The node that lost the race does not keep its joiner waiting and then refuse it for that
    // (SERVER_BUSY): it passes the connection on to the one that took the meeting over, which
    // answers it (oneGivenBack: RESUME_TOKEN_USED, the token having been used).
    t.diagnostic(`both answered ${Math.round(answeredMs)} ms after the kill`);
    assert.deepEqual(await back, [true, false], "Ada took her place back too");
    await waitFor("Ada to see Ben back", () => ada.participants.some((x) => x.id === benPlace.id));
    seatedOnce(ada, benPlace);
    assert.equal(ada.crypto.member.epoch, epoch, "no new epoch");
    assert.equal(await exported(ada), secret);
    assert.equal(await nodes.storedEpoch(room.roomId), Number(epoch));
    // The node that took the meeting over knows the token was used, as does any node after it.
    const survivor = owner === "node-p2" ? p : q;
    const again = await present(survivor.url, room, resume);
    assert.equal(again.refused, "RESUME_TOKEN_USED", "a spent token stays spent");
    seatedOnce(ada, benPlace);
    for (const a of [...answers, again]) a.client.close();
  });

  it("refuses a token used before the owner died, on the node that takes the meeting over", async () => {
    const [o, p] = [await nodes.node("node-o3", 30), await nodes.node("node-p3", 31)];
    const room = await newRoom();
    const front = await nodes.balancer([o.port, p.port]);
    const { ada, benPlace, resume } = await benAway(o.port, front.port, room);
    const given = await present(o.url, room, resume);
    assert.equal(given.welcome?.resumed, true, "Ben's token gives his place back once");
    await waitFor("Ada to see Ben back", () => ada.participants.some((x) => x.id === benPlace.id));
    const epoch = ada.crypto.member.epoch;

    const back = next(ada, "reconnected");
    process.kill(o.pid, "SIGKILL");
    assert.deepEqual(await back, [true, false], "Ada takes her place back");
    assert.equal(await nodes.owner(room.roomId), "node-p3");
    // The old token reaches the new owner before Ben's new connection does (it died with node-o3).
    const again = await present(p.url, room, resume);
    assert.equal(again.welcome, undefined, "the used token opens nothing on the new owner");
    assert.equal(again.refused, "RESUME_TOKEN_USED");
    // Ben's place is still his: the token his welcome gave opens it.
    const fresh = lastPlace(given.client.raw.join("\n"));
    const ben = await present(p.url, room, fresh);
    assert.equal(ben.welcome?.resumed, true, "the new token gives the place back");
    assert.equal(ben.welcome?.selfId, benPlace.id);
    await waitFor("Ada to see Ben back", () => ada.participants.some((x) => x.id === benPlace.id));
    seatedOnce(ada, benPlace);
    assert.equal(ada.crypto.member.epoch, epoch, "no new epoch");
    for (const a of [given, again, ben]) a.client.close();
  });
});
