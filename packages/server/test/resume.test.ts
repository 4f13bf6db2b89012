/**
 * Reconnection (docs/protocol.md "Reconnecting"): a member whose connection drops keeps its place
 * (participant id, MLS leaf) for the reconnection window. When it comes back it gets, in order,
 * what the Delivery Service sent meanwhile, and carries on in the same group without an Add or a
 * Remove; its media connections restart ICE (the server kept its side) and media flows again.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bot, type BotEvents, joinBot } from "@conclave/bot";
import { decryptedFrom, exported } from "./bot-readings.ts";
import { type NetworkCut, networkCut } from "./network-cut.ts";
import { metric, newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

/** The first arguments of the next `event` from `bot`. */
function next<K extends keyof BotEvents>(bot: Bot, event: K): Promise<BotEvents[K]> {
  return new Promise((resolve) => {
    const off = bot.on(event, (...args) => {
      off();
      resolve(args);
    });
  });
}

/** Who holds which leaf, as `bot` sees the group. */
const members = (bot: Bot) => bot.crypto.member.roster.map((m) => `${m.leaf} ${m.fingerprint}`);

/**
 * Each bot's exporter, read in one tick once all are on one epoch. A member may commit again right
 * after a resume (a joiner's first update that lost its race while away), so secrets read on
 * different epochs prove nothing; secrets that differ on one epoch are a fork.
 */
async function exportersOnOneEpoch(bots: readonly Bot[]): Promise<string[]> {
  let secrets: string[] = [];
  await waitFor("everyone on one epoch", async () => {
    const epochs = new Set(bots.map((b) => b.crypto.member.epoch));
    secrets = await Promise.all(bots.map(exported));
    return epochs.size === 1;
  });
  return secrets;
}

describe("reconnecting", () => {
  let server: ServerProcess;
  let relay: NetworkCut;
  const bots: Bot[] = [];
  before(async () => {
    server = await startServer();
    relay = await networkCut(server.port);
  });
  after(async () => {
    for (const bot of bots) bot.close();
    await relay.close();
    await server.stop();
  });

  it("gives a dropped member its place back, with what it missed", async () => {
    const room = await newRoom();
    const direct = `${server.url}/m/${room.roomId}#${room.secret}`;
    const relayed = `http://127.0.0.1:${relay.port}/m/${room.roomId}#${room.secret}`;
    const ada = await joinBot({ url: direct, name: "Ada" });
    bots.push(ada);
    const ben = await joinBot({ url: direct, name: "Ben" });
    bots.push(ben);
    const cyd = await joinBot({ url: relayed, name: "Cyd", reconnect: true });
    bots.push(cyd);
    await waitFor("everyone to decrypt everyone", () =>
      bots.every((r) => bots.every((s) => r === s || decryptedFrom(r, s) > 50)),
    );
    const before = {
      id: cyd.id,
      leaf: cyd.crypto.member.ownLeaf,
      epoch: ada.crypto.member.epoch,
      roster: members(ada),
    };

    const chats: string[] = [];
    cyd.crypto.member.on("chat", (c) => chats.push(c.text));
    const left = next(ada, "participant-left");
    relay.cut();
    assert.deepEqual(await left, [cyd.id, "disconnected"]);
    assert.equal(
      await metric(server.metricsUrl, "conclave_held_media"),
      1,
      "Cyd's media peer is kept while its place is held",
    );
    // While Cyd is away: a commit (Ada's self-update) and a chat message go to its held place.
    ada.crypto.member.requestSelfUpdate();
    await waitFor("Ada's update to be committed", () =>
      [ada, ben].every((b) => (b.crypto.member.epoch ?? 0n) > (before.epoch ?? 0n)),
    );
    assert.equal(await ben.crypto.member.sendChat("said while Cyd was away"), true);

    // A wrong token does not open the place: that connection joins as someone new.
    const thief = await SignallingClient.connect(server.url);
    thief.send({
      ...room.joinMessage(),
      resume: { participantId: cyd.id, token: "A".repeat(43), received: 0 },
    });
    const stolen = await thief.next("welcome");
    assert.equal(stolen.resumed, false);
    assert.notEqual(stolen.selfId, cyd.id);
    thief.close();

    const reconnected = next(cyd, "reconnected");
    const restoredAt = Date.now();
    relay.restore();
    assert.deepEqual(
      await reconnected,
      [true, true],
      "the server gave Cyd its place back, and its media connections restarted ICE",
    );
    assert.equal(await metric(server.metricsUrl, "conclave_held_media"), 0);
    assert.equal(cyd.id, before.id);
    assert.equal(cyd.crypto.member.ownLeaf, before.leaf);
    await waitFor(
      "Cyd to apply the commit it missed",
      () => cyd.crypto.member.epoch === ada.crypto.member.epoch,
    );
    // Later epochs may come from joiners' first updates; a Remove or an Add would change a leaf.
    for (const bot of bots) assert.deepEqual(members(bot), before.roster, "no Remove, no Add");
    assert.equal(cyd.crypto.member.stats.rejoins, 0);
    const secrets = await exportersOnOneEpoch(bots);
    assert.deepEqual(secrets, Array(3).fill(secrets[0]), "one group: one exporter");
    await waitFor("the chat message Cyd missed", () => chats.includes("said while Cyd was away"));

    const fromCyd = decryptedFrom(ada, cyd);
    const toCyd = decryptedFrom(cyd, ada);
    await waitFor(
      "media both ways again",
      () => decryptedFrom(ada, cyd) > fromCyd + 20 && decryptedFrom(cyd, ada) > toCyd + 20,
    );
    const mediaBackMs = Date.now() - restoredAt;
    assert.ok(mediaBackMs < 5000, `media took ${mediaBackMs} ms to come back`);
    console.log(`resume: media back ${mediaBackMs} ms after the network returned`);
    assert.deepEqual(
      [ada, ben, cyd].map((b) => b.crypto.member.roster.length),
      [3, 3, 3],
    );
  });

  it("gives back what went into a connection that died quietly, without a new leaf", async () => {
    const room = await newRoom();
    const ada = await joinBot({
      url: `${server.url}/m/${room.roomId}#${room.secret}`,
      name: "Ada",
      publish: false,
    });
    bots.push(ada);
    const relayed = `http://127.0.0.1:${relay.port}/m/${room.roomId}#${room.secret}`;
    const cyd = await joinBot({ url: relayed, name: "Cyd", publish: false, reconnect: true });
    bots.push(cyd);
    await waitFor("both in the group", () =>
      [ada, cyd].every((b) => b.crypto.member.roster.length === 2),
    );
    const leaf = cyd.crypto.member.ownLeaf;
    const chats: string[] = [];
    cyd.crypto.member.on("chat", (c) => chats.push(c.text));

    // What the server writes now reaches no one, and the server does not know it yet.
    relay.silence();
    const epoch = ada.crypto.member.epoch ?? 0n;
    ada.crypto.member.requestSelfUpdate();
    await waitFor("Ada's update committed", () => (ada.crypto.member.epoch ?? 0n) > epoch);
    assert.equal(await ada.crypto.member.sendChat("said into the silence"), true);
    const reconnected = next(cyd, "reconnected");
    relay.cut();
    relay.restore();
    assert.deepEqual(await reconnected, [true, true], "Cyd took its place back, media and all");
    await waitFor(
      "Cyd applied the commit its dead connection swallowed",
      () => cyd.crypto.member.epoch === ada.crypto.member.epoch,
    );
    await waitFor("the chat its dead connection swallowed", () =>
      chats.includes("said into the silence"),
    );
    assert.equal(cyd.crypto.member.ownLeaf, leaf, "same leaf");
    assert.equal(cyd.crypto.member.stats.rejoins, 0, "no rejoin");
    const [cydSecret, adaSecret] = await exportersOnOneEpoch([cyd, ada]);
    assert.equal(cydSecret, adaSecret, "one group: one exporter");
  });
});
