/**
 * A knock whose network drops on a live node (docs/protocol.md "Lobby", "Coming back"): it keeps
 * its place for the reconnection window, the hosts' list keeps it marked `knock-away`, and the
 * knocker's page that comes back with its knock resume token waits on under the same id; a host
 * who admits it meanwhile has it come in when it is back. Past the window the knock ends as a
 * `leave` ends it at once. One real server; the knocker's connection goes through a relay whose
 * network the test cuts (network-cut.ts), so the server sees a connection die, not a goodbye. The
 * host is a bot, the knockers raw signalling connections with the real MLS engine (knocker.ts).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bot, joinBot } from "@conclave/bot";
import { PROTOCOL_VERSION } from "@conclave/protocol";
import { exported } from "./bot-readings.ts";
import { admitNewUpload, Knocker } from "./knocker.ts";
import { type NetworkCut, networkCut } from "./network-cut.ts";
import { next } from "./redis-nodes.ts";
import { newRoom, SignallingClient, type TestRoom } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

/** Long enough to come back within, short enough to see a knock nobody comes back to end. */
const RECONNECT_WINDOW_MS = 4000;

describe("a knock whose network drops", () => {
  let server: ServerProcess;
  let relay: NetworkCut;
  const bots: Bot[] = [];
  const knockers: Knocker[] = [];
  before(async () => {
    server = await startServer({ RECONNECT_WINDOW_MS: String(RECONNECT_WINDOW_MS) });
    relay = await networkCut(server.port);
  });
  after(async () => {
    for (const k of knockers) k.close();
    for (const bot of bots) bot.close();
    await relay.close();
    await server.stop();
  });

  const relayed = () => `http://127.0.0.1:${relay.port}`;

  /** A room whose host Ada is in her group, and `name` knocking there through the relay. */
  async function knockAtAda(name: string): Promise<{ ada: Bot; room: TestRoom; kim: Knocker }> {
    const room = await newRoom();
    const ada = await joinBot({
      url: `${server.url}/m/${room.roomId}#${room.secret}`,
      name: "Ada",
    });
    bots.push(ada);
    await waitFor("Ada's group", () => ada.crypto.member.roster.length === 1);
    const kim = await Knocker.knock(relayed(), room, name);
    knockers.push(kim);
    await waitFor(`Ada shown ${name}'s upload`, () => ada.crypto.cards.has(kim.selfId ?? ""));
    return { ada, room, kim };
  }

  /** Cuts the network under every relayed connection; the knock stays, marked away for Ada. */
  async function dropNetwork(ada: Bot, kim: Knocker): Promise<void> {
    relay.cut();
    await waitFor("Kim's connection gone", () => kim.dropped);
    await waitFor("Ada told Kim's knock is away", () =>
      ada.knocks.some((k) => k.id === kim.selfId && k.away),
    );
    relay.restore();
  }

  it("back within the window, the knocker waits on under the same id and a host admits it", async () => {
    const { ada, kim } = await knockAtAda("Kim Ode");
    const id = kim.selfId;
    const firstCard = ada.crypto.cards.get(id ?? "");
    await dropNetwork(ada, kim);

    const answer = await kim.reconnect(relayed());
    assert.equal(answer?.type === "lobby" && answer.resumed, true, "in its knock, resumed");
    assert.equal(kim.selfId, id, "under the same id");
    assert.deepEqual(
      ada.knocks.map((k) => [k.id, k.away]),
      [[id, false]],
      "never ended for Ada, and back",
    );
    // Its engine uploaded a fresh KeyPackage on coming back: Ada admits that one.
    assert.ok(id);
    await admitNewUpload(ada, kim, id, firstCard?.keyPackageRef);
  });

  it("admitted while away, the knocker comes in when it is back; its token opens that once", async () => {
    const { ada, room, kim } = await knockAtAda("Lou Ray");
    const id = kim.selfId;
    await dropNetwork(ada, kim);

    // Ada admits the upload her card shows: the server still holds it for the knock.
    const card = ada.crypto.cards.get(id ?? "");
    assert.ok(card && id);
    assert.equal(await ada.crypto.member.admit(id, card.keyPackageRef), true);
    await waitFor("Lou's knock over for Ada, admitted", () => ada.knocks.length === 0);
    assert.equal(ada.crypto.member.roster.length, 2, "Lou's leaf is in Ada's group");
    const token = kim.token;

    const answer = await kim.reconnect(relayed());
    assert.equal(answer?.type, "welcome", "seated at once, with what was kept for it");
    assert.equal(answer?.type === "welcome" && answer.resumed, true);
    assert.equal(answer?.type === "welcome" && answer.selfId, id, "under the same id");
    await waitFor("Lou in the group", () => kim.member.roster.length === 2);
    const secret = await kim.member.exportSecret("conclave test", new Uint8Array(), 16);
    assert.equal(Buffer.from(secret ?? []).toString("hex"), await exported(ada));

    // The knock token that took the place back is refused if presented again.
    const copy = await SignallingClient.connect(server.url);
    copy.send({
      type: "join",
      protocol: PROTOCOL_VERSION,
      roomId: room.roomId,
      knock: { name: "Lou Ray" },
      resume: { participantId: id, token, received: 0 },
    });
    assert.equal((await copy.next("error")).code, "RESUME_TOKEN_USED");
    assert.ok(!copy.received.some((m) => m.type === "welcome" || m.type === "lobby"));
    copy.close();
  });

  it("past the window the knock ends, and its token knocks anew; a leave ends one at once", async () => {
    const { ada, room, kim } = await knockAtAda("Max Wu");
    const id = kim.selfId;
    await dropNetwork(ada, kim);
    const droppedAt = Date.now();
    await waitFor(
      "Max's knock to end for Ada",
      () => !ada.knocks.some((k) => k.id === id),
      RECONNECT_WINDOW_MS + 5000,
    );
    assert.ok(Date.now() - droppedAt >= RECONNECT_WINDOW_MS - 500, "not before the window");
    const answer = await kim.reconnect(relayed());
    assert.equal(answer?.type === "lobby" && answer.resumed, false, "a new knock");
    assert.notEqual(kim.selfId, id, "under a new id");

    // Cancel on the page sends `leave`: the knock ends at once, however long the window.
    const ned = await Knocker.knock(relayed(), room, "Ned Oz");
    knockers.push(ned);
    await waitFor("Ada told of Ned", () => ada.knocks.some((k) => k.id === ned.selfId));
    const leftAt = Date.now();
    ned.leave();
    await waitFor("Ned's knock to end for Ada", () => !ada.knocks.some((k) => k.id === ned.selfId));
    assert.ok(Date.now() - leftAt < RECONNECT_WINDOW_MS, "at once, not after the window");
  });

  it("a host back from a drop lists only the knocks still waiting, in their places", async () => {
    const room = await newRoom();
    const ada = await joinBot({
      url: `${relayed()}/m/${room.roomId}#${room.secret}`,
      name: "Ada",
      reconnect: true,
    });
    bots.push(ada);
    await waitFor("Ada's group", () => ada.crypto.member.roster.length === 1);
    const kim = await Knocker.knock(server.url, room, "Kim Ode");
    const lou = await Knocker.knock(server.url, room, "Lou Ray");
    knockers.push(kim, lou);
    await waitFor("Ada shown both uploads", () =>
      [kim, lou].every((k) => ada.crypto.cards.has(k.selfId ?? "")),
    );

    // Ada's network drops; meanwhile Kim cancels, and Ada never hears that Kim's knock ended.
    const back = next(ada, "reconnected");
    relay.cut();
    kim.leave();
    await waitFor("Kim's connection closed", () => kim.dropped);
    relay.restore();
    assert.equal((await back)[0], true, "Ada takes her place back");
    await waitFor("Kim's knock gone from Ada's list", () => ada.knocks.length === 1);
    assert.deepEqual(
      ada.knocks.map((k) => [k.id, k.away]),
      [[lou.selfId, false]],
    );
    // Her client forgot the uploads of those the server does not list: Lou's comes again.
    await waitFor("Ada shown Lou's upload again", () => ada.crypto.cards.has(lou.selfId ?? ""));
    assert.equal(ada.crypto.cards.has(kim.selfId ?? ""), false, "nothing of Kim's to admit");
    const card = ada.crypto.cards.get(lou.selfId ?? "");
    assert.ok(card && lou.selfId);
    assert.equal(await ada.crypto.member.admit(lou.selfId, card.keyPackageRef), true);
    await waitFor("Lou in the group", () =>
      [ada.crypto.member, lou.member].every((m) => m.roster.length === 2),
    );
  });
});
