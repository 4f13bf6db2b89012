/**
 * DESIGN T2, §7.1: the server cannot admit anyone. Against the real server with its admission
 * attacks on, real bots (the member engine, as in a browser's worker) must never add a joiner the
 * server vouches for, and a joiner must refuse a group the server made.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { type Bot, joinBot } from "@conclave/bot";
import { deriveInviteKeys } from "@conclave/e2ee";
import { toBase64url } from "@conclave/protocol";
import { newRoom } from "../signalling-client.ts";
import type { ServerProcess } from "../start-server.ts";
import { holdsFor, waitFor } from "../wait-for.ts";
import { attackCount, startHostileServer } from "./hostile-server.ts";

const rosterSize = (bot: Bot) => bot.stats().e2ee?.roster.length ?? 0;
const securityEvents = (bot: Bot) => bot.stats().e2ee?.member.securityEvents ?? 0;
/** Long enough for commit duty to have added a proven joiner several times over (2 s failover). */
const NOT_ADDED_WITHIN_MS = 6000;

function meeting(attacks: readonly string[]) {
  const bots: Bot[] = [];
  let server: ServerProcess | undefined;
  after(async () => {
    for (const bot of bots) bot.close();
    await server?.stop();
  });
  return async (...names: string[]) => {
    server ??= await startHostileServer(attacks);
    const room = await newRoom();
    const url = `${server.url}/m/${room.roomId}#${room.secret}`;
    const joined: Bot[] = [];
    for (const name of names) {
      const bot = await joinBot({ url, name, publish: false });
      bots.push(bot);
      joined.push(bot);
      if (joined.length === 1) {
        await waitFor(`${name} to found the group`, () => rosterSize(bot) === 1);
      }
    }
    return { server, bots: joined };
  };
}

describe("a hostile server's admission attacks", () => {
  describe("forge-proof: relaying an upload with a proof the server made", () => {
    const start = meeting(["forge-proof"]);
    it("is logged as proof-invalid and the joiner is never added", async () => {
      const { server, bots } = await start("Ada", "Ben");
      const [ada, ben] = bots as [Bot, Bot];
      await waitFor("Ada to log the forged proof", () => securityEvents(ada) > 0);
      await holdsFor("Ada alone in her group", () => rosterSize(ada) === 1, NOT_ADDED_WITHIN_MS);
      assert.ok(attackCount(server, "forge-proof") > 0, "the server never forged a proof");
      assert.equal(rosterSize(ada), 1, "Ada added a joiner on a forged proof");
      assert.equal(ben.stats().e2ee?.status, "joining");
    });
  });

  describe("strip-proof: relaying an upload without its proof", () => {
    const start = meeting(["strip-proof"]);
    it("makes a knock: no member adds it, until a host admits it", async () => {
      const { server, bots } = await start("Ada", "Ben");
      const [ada, ben] = bots as [Bot, Bot];
      await holdsFor("Ada alone in her group", () => rosterSize(ada) === 1, NOT_ADDED_WITHIN_MS);
      assert.ok(attackCount(server, "strip-proof") > 0, "the server never stripped a proof");
      assert.equal(rosterSize(ada), 1, "Ada added an upload without a proof on her own");
      // The lobby path still works: the host (Ada founded the meeting) admits by her own commit.
      const card = ada.crypto.cards.get(ben.id);
      assert.ok(card, "Ada shows Ben's upload");
      assert.equal(await ada.crypto.member.admit(ben.id, card.keyPackageRef), true);
      await waitFor("Ben to be admitted by the host", () => rosterSize(ben) === 2);
    });
  });

  describe("fake-group: answering an upload with the Welcome of a group the server made", () => {
    const start = meeting(["fake-group"]);
    it("is refused by the joiner (welcome-tag-invalid), who stays out of it", async () => {
      const { server, bots } = await start("Ada", "Ben");
      const [ada, ben] = bots as [Bot, Bot];
      await waitFor("Ben to refuse the server's group", () => securityEvents(ben) > 0);
      assert.ok(attackCount(server, "fake-group") > 0, "the server never made a group");
      assert.equal(ben.stats().e2ee?.status, "joining", "Ben joined the server's group");
      assert.equal(rosterSize(ben), 0);
      assert.equal(rosterSize(ada), 1);
    });
  });

  describe("replay-key-package: relaying a member's used KeyPackage as a new joiner's", () => {
    const bots: Bot[] = [];
    let server: ServerProcess | undefined;
    after(async () => {
      for (const bot of bots) bot.close();
      await server?.stop();
    });
    it("never adds it twice nor removes its member, and members log it", async () => {
      server = await startHostileServer(["replay-key-package"]);
      const room = await newRoom();
      const url = `${server.url}/m/${room.roomId}#${room.secret}`;
      const replayed: string[] = [];
      for (const name of ["Ada", "Ben", "Cyd"]) {
        const bot = await joinBot({ url, name, publish: false });
        bots.push(bot);
        bot.crypto.member.on("security", ({ reason }) => {
          if (reason === "key-package-replayed") replayed.push(name);
        });
        await waitFor(`${name} to be admitted`, () =>
          bots.every((b) => rosterSize(b) === bots.length),
        );
      }
      // Cyd's upload came with Ben's (added before it) under a fresh id, proof and all.
      await waitFor("Ada and Ben to log the replayed KeyPackage", () =>
        ["Ada", "Ben"].every((name) => replayed.includes(name)),
      );
      assert.ok(attackCount(server, "replay-key-package") > 0, "the server replayed no upload");
      // Commit duty passes a pending upload on after 2 s per rank: every member has had its turn.
      const oneLeafEach = () =>
        bots.every((bot) => {
          const fingerprints = bot.crypto.member.roster.map((m) => m.fingerprint);
          return fingerprints.length === 3 && new Set(fingerprints).size === 3;
        });
      await holdsFor("one leaf for each of the three devices", oneLeafEach, NOT_ADDED_WITHIN_MS);
      for (const bot of bots) {
        const fingerprints = bot.crypto.member.roster.map((m) => m.fingerprint);
        assert.equal(fingerprints.length, 3, `${bot.stats().name} lost or gained a leaf`);
        assert.equal(new Set(fingerprints).size, 3, "one device holds two leaves");
        assert.equal(bot.crypto.member.status, "member", `${bot.stats().name} is out`);
      }
      assert.equal(new Set(bots.map((b) => b.stats().e2ee?.epoch)).size, 1, "the group split");
    });
  });
});

describe("swap-upload: the server refuses a host's Add and re-uploads its own device under that id", () => {
  const bots: Bot[] = [];
  let server: ServerProcess | undefined;
  after(async () => {
    for (const bot of bots) bot.close();
    await server?.stop();
  });
  it("the host's retry never adds the server's device, and its card changes", async () => {
    server = await startHostileServer(["swap-upload"]);
    const room = await newRoom();
    const url = `${server.url}/m/${room.roomId}#${room.secret}`;
    const ada = await joinBot({ url, name: "Ada", publish: false });
    bots.push(ada);
    await waitFor("Ada to found the group", () => rosterSize(ada) === 1);
    const cards: Array<{ participantId: string; fingerprint: string; keyPackageRef: string }> = [];
    ada.crypto.member.on("upload", (card) => cards.push(card));
    // Pat has the server key but not this meeting's secret: it waits for the host, like a knock.
    const other = await deriveInviteKeys(toBase64url(crypto.getRandomValues(new Uint8Array(32))));
    assert.ok(other);
    const pat = await joinBot({ url, name: "Pat", publish: false, inviteKeys: other });
    bots.push(pat);
    await waitFor("Pat's card at Ada", () => cards.some((c) => c.participantId === pat.id));
    const shown = cards.find((c) => c.participantId === pat.id);
    assert.ok(shown);
    assert.equal(await ada.crypto.member.admit(pat.id, shown.keyPackageRef), true);
    await waitFor("the swap", () => attackCount(server as ServerProcess, "swap-upload") > 0);
    await new Promise((r) => setTimeout(r, NOT_ADDED_WITHIN_MS));
    const fingerprints = ada.crypto.member.roster.map((m) => m.fingerprint);
    const swappedIn = fingerprints.filter(
      (f) => f !== shown.fingerprint && f !== fingerprintOf(ada),
    );
    assert.deepEqual(swappedIn, [], "the server's device was added");
    const newCard = cards.find((c) => c.participantId === pat.id && c !== shown);
    assert.ok(newCard, "the changed upload shows a new card");
    assert.notEqual(newCard.fingerprint, shown.fingerprint);
  });
});

function fingerprintOf(bot: Bot): string {
  return bot.crypto.member.roster.find((m) => m.self)?.fingerprint ?? "";
}
