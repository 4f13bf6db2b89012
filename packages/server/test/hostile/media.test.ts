/**
 * DESIGN T1, T6, §6: the server forwards media it cannot read and cannot forge. Real bots (the
 * frame cryptor a browser's worker runs) against the real server: a receiver the members never
 * admitted opens nothing; frames the server made, or a member's frames on another's m-line, are
 * dropped and counted, never opened.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import type { Bot } from "@conclave/bot";
import { deriveInviteKeys } from "@conclave/e2ee";
import { toBase64url } from "@conclave/protocol";
import { startServer } from "../start-server.ts";
import { waitFor } from "../wait-for.ts";
import { attackCount, hostileRoom, startHostileServer } from "./hostile-server.ts";

const frames = (bot: Bot) => bot.stats().e2ee?.frames.total;
const decrypted = (bot: Bot) => frames(bot)?.decrypted ?? 0;
const dropped = (bot: Bot, reason?: string) =>
  Object.entries(frames(bot)?.dropped ?? {})
    .filter(([r]) => reason === undefined || r === reason)
    .reduce((sum, [, n]) => sum + n, 0);
const rosterSize = (bot: Bot) => bot.stats().e2ee?.roster.length ?? 0;

describe("a hostile server's media attacks", () => {
  describe("an extra receiver: the server key without the invite secret", () => {
    const start = hostileRoom(() => startServer());
    it("receives the media and decrypts none of it; the members log its upload", async () => {
      const { join } = await start();
      const ada = await join("Ada");
      await waitFor("Ada to found the group", () => rosterSize(ada) === 1);
      const ben = await join("Ben");
      const otherKeys = await deriveInviteKeys(toBase64url(randomBytes(32)));
      assert.ok(otherKeys);
      const eve = await join("Eve", { inviteKeys: otherKeys });
      await waitFor("Ada and Ben to decrypt each other", () =>
        [ada, ben].every((b) => decrypted(b) > 100),
      );
      await waitFor("Eve to receive their frames", () => dropped(eve) > 100);
      assert.equal(decrypted(eve), 0, "a non-member opened frames");
      assert.ok(
        [ada, ben].some((b) => (b.stats().e2ee?.member.securityEvents ?? 0) > 0),
        "nobody logged Eve's upload with a proof for another meeting",
      );
      assert.equal(rosterSize(ada), 2, "Eve was added");
      assert.equal(eve.stats().e2ee?.status, "joining");
    });
  });

  describe("inject-frames: the server forwards frames of its own making", () => {
    const start = hostileRoom(() => startHostileServer(["inject-frames"]));
    it("has every one dropped and counted, none opened", async () => {
      const { server, join } = await start();
      const ada = await join("Ada");
      await waitFor("Ada to found the group", () => rosterSize(ada) === 1);
      const ben = await join("Ben");
      await waitFor("Ben to be admitted", () => rosterSize(ben) === 2);
      await waitFor("both to drop the injected frames", () =>
        [ada, ben].every((b) => dropped(b) > 100),
      );
      assert.ok(attackCount(server, "inject-frames") >= 100, "the server injected too little");
      assert.equal(decrypted(ada) + decrypted(ben), 0, "an injected frame was opened");
      assert.ok((frames(ada)?.encrypted ?? 0) > 0, "Ada never sent, so nothing was replaced");
    });
  });

  describe("relabel-frames: the server sends A's frames on B's m-line", () => {
    const start = hostileRoom(() => startHostileServer(["relabel-frames"]));
    it("has them dropped as wrong-sender by the receivers", async () => {
      const { server, join } = await start();
      const ada = await join("Ada");
      await waitFor("Ada to found the group", () => rosterSize(ada) === 1);
      // Cyd is in before Ben's camera starts, so it binds Ben's m-line to Ben before the relabel.
      const cyd = await join("Cyd", { publish: false });
      await waitFor("Cyd to be admitted", () => rosterSize(cyd) === 2);
      const ben = await join("Ben");
      await waitFor("everyone to be admitted", () =>
        [ada, ben, cyd].every((b) => rosterSize(b) === 3),
      );
      // Before the relabel starts (8 s into Ben's camera), Cyd has bound Ben's m-line to Ben.
      const benLeaf = String(ben.crypto.member.ownLeaf);
      await waitFor(
        "Cyd to decrypt Ben's own frames",
        () => (cyd.stats().e2ee?.frames.senders[benLeaf]?.decrypted ?? 0) > 0,
      );
      await waitFor(
        "Cyd to drop relabelled frames",
        () => dropped(cyd, "wrong-sender") > 10,
        30_000,
      );
      assert.ok(attackCount(server, "relabel-frames") > 0, "the server relabelled nothing");
    });
  });
});
