/**
 * "Remove and block" replaces the invite link (docs/e2ee.md "Replacing the invite link",
 * docs/protocol.md "Replacing the link"), through the real server with bots: the members derive
 * the same new secret, the server turns the old link to knocking (and closes those still waiting
 * with it), and the new link lets people in.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bot, joinBot, ServerRefusedError } from "@conclave/bot";
import { type NetworkCut, networkCut } from "./network-cut.ts";
import { newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { holdsFor, waitFor } from "./wait-for.ts";

const selfFingerprint = (bot: Bot) =>
  bot.crypto.member.roster.find((r) => r.self)?.fingerprint ?? "";

describe("replacing the invite link", () => {
  let server: ServerProcess;
  let relay: NetworkCut;
  const bots: Bot[] = [];
  const clients: SignallingClient[] = [];

  before(async () => {
    server = await startServer();
    relay = await networkCut(server.port);
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const bot of bots) bot.close();
    await relay.close();
    await server.stop();
  });

  const join = async (url: string, name: string, reconnect = false) => {
    const bot = await joinBot({ url, name, publish: false, reconnect });
    bots.push(bot);
    return bot;
  };
  const inGroup = (bot: Bot, size: number) => bot.stats().e2ee?.roster.length === size;

  it("after remove and block the old link is refused and the new one admits", async () => {
    const room = await newRoom();
    const oldLink = `${server.url}/m/${room.roomId}#${room.secret}`;
    const ada = await join(oldLink, "Ada");
    const ben = await join(oldLink, "Ben");
    const mal = await join(oldLink, "Mal");
    await waitFor("three in the group", () => [ada, ben, mal].every((b) => inGroup(b, 3)));

    // Someone waits with the old link while the meeting is locked: replacing the link closes it.
    assert.equal(await ada.crypto.member.setLocked(true), true);
    await waitFor("locked", () => ben.crypto.member.roles?.settings.locked === true);
    const waiting = await join(oldLink, "Wes", true);
    const closed = new Promise<string>((resolve) => waiting.on("server-error", (c) => resolve(c)));

    assert.equal(await ben.crypto.member.block(selfFingerprint(mal)), false, "Ben is no host");
    const blockedAt = performance.now();
    assert.equal(await ada.crypto.member.block(selfFingerprint(mal)), true);
    const malLeft = new Promise<string>((resolve) => mal.on("server-error", (c) => resolve(c)));
    await waitFor("Mal out of the group", () => [ada, ben].every((b) => inGroup(b, 2)));
    assert.equal(await malLeft, "REMOVED");
    await waitFor("the link replaced for Ada and Ben", () =>
      [ada, ben].every(
        (b) => b.meetingLink !== oldLink && b.crypto.member.roles?.inviteGeneration === 1,
      ),
    );
    const replacedMs = Math.round(performance.now() - blockedAt);
    console.log(
      `remove and block: link replaced for every member ${replacedMs} ms after the click`,
    );
    const newLink = ada.meetingLink;
    assert.equal(ben.meetingLink, newLink, "both derived the same secret");
    assert.ok(!newLink.includes(room.secret), "the old secret is not in the new link");
    assert.equal(await closed, "LINK_REPLACED");
    const closedAt = performance.now();
    await waitFor("Wes closed", () => waiting.stats().state === "closed");
    await holdsFor(
      "Wes to stay closed",
      () => waiting.stats().state === "closed",
      closedAt + 3000 - performance.now(),
    );
    assert.equal(waiting.stats().state, "closed", "a bot closed for good does not knock on again");
    assert.deepEqual(waiting.stats().signalling.serverErrors, { LINK_REPLACED: 1 });

    // The old link, even on a new device, only gets told to ask to join.
    await assert.rejects(
      joinBot({ url: oldLink, name: "Mal again", publish: false }),
      (e: unknown) => e instanceof ServerRefusedError && e.serverCode === "LINK_REPLACED",
    );

    assert.equal(await ada.crypto.member.setLocked(false), true);
    const cyd = await join(newLink, "Cyd");
    await waitFor("Cyd in with the new link", () => [ada, ben, cyd].every((b) => inGroup(b, 3)));
    assert.equal(cyd.meetingLink, newLink);
  });

  it("a member away while the link is replaced takes its place back with the old one, then follows", async () => {
    const room = await newRoom();
    const oldLink = `${server.url}/m/${room.roomId}#${room.secret}`;
    const ada = await join(oldLink, "Ada");
    const mal = await join(oldLink, "Mal");
    const relayed = `http://127.0.0.1:${relay.port}/m/${room.roomId}#${room.secret}`;
    const cyd = await join(relayed, "Cyd", true);
    await waitFor("three in the group", () => [ada, mal, cyd].every((b) => inGroup(b, 3)));
    const leaf = cyd.crypto.member.ownLeaf;

    relay.cut();
    assert.equal(await ada.crypto.member.block(selfFingerprint(mal)), true);
    await waitFor(
      "the link replaced for Ada",
      () => ada.crypto.member.roles?.inviteGeneration === 1,
    );
    const back = new Promise<boolean>((resolve) => cyd.on("reconnected", (r) => resolve(r)));
    relay.restore();
    assert.equal(await back, true, "the held place opened with its token, though the link changed");
    await waitFor("Cyd caught up", () => cyd.crypto.member.roles?.inviteGeneration === 1);
    assert.equal(cyd.crypto.member.ownLeaf, leaf, "same leaf");
    assert.equal(new URL(cyd.meetingLink).hash, new URL(ada.meetingLink).hash, "same new secret");
    await waitFor("Ada and Cyd only", () => [ada, cyd].every((b) => inGroup(b, 2)));
  });

  it("only a member of the group replaces the link, and only from the current one", async () => {
    const room = await newRoom();
    const link = `${server.url}/m/${room.roomId}#${room.secret}`;
    const ada = await join(link, "Ada");
    await waitFor("Ada founded", () => inGroup(ada, 1));
    const client = await SignallingClient.connect(server.url);
    clients.push(client);
    client.send(room.joinMessage());
    await client.next("welcome");
    const from = client.received.length;
    client.send({ type: "replace-link", current: room.serverKey, next: "A".repeat(43) });
    assert.equal((await client.next("error", { from })).code, "NOT_A_MEMBER");
    // The link did not change: the first link still joins.
    const ben = await join(link, "Ben");
    await waitFor("Ben in", () => inGroup(ben, 2));
  });
});
