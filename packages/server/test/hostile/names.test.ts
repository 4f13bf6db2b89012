/**
 * docs/e2ee.md "Names", "Application messages": a member's name is what its own leaf signed, never
 * what the server says. Against the real server naming another participant as the sender of every
 * application message it relays, real bots (the member engine a browser's worker runs) still
 * show each member under the name it said itself, and its chat as its own.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Bot } from "@conclave/bot";
import { waitFor } from "../wait-for.ts";
import { attackCount, hostileRoom, startHostileServer } from "./hostile-server.ts";

describe("rename: the server relays each application message as another participant's", () => {
  const start = hostileRoom(() => startHostileServer(["rename"]), {
    publish: false,
    admitted: true,
  });

  it("leaves every roster with the names the MLS senders signed", async () => {
    const { server, bots, join } = await start();
    for (const name of ["Ada", "Ben", "Cyd"]) await join(name);
    const [ada, ben, cyd] = bots as [Bot, Bot, Bot];
    await waitFor("every name to be said", () =>
      bots.every((b) => b.crypto.member.roster.every((m) => m.nameConfirmed)),
    );
    assert.ok(attackCount(server, "rename") > 0, "the server renamed no message");
    for (const viewer of bots) {
      for (const other of bots) {
        const leaf = other.crypto.member.ownLeaf;
        const entry = viewer.crypto.member.roster.find((m) => m.leaf === leaf);
        assert.equal(entry?.displayName, other.stats().name, `${viewer.stats().name}'s roster`);
      }
    }
    const chats: Array<{ at: string; sender: number; displayName: string }> = [];
    for (const bot of [ada, cyd]) {
      bot.crypto.member.on("chat", ({ sender, displayName }) => {
        chats.push({ at: bot.stats().name, sender, displayName });
      });
    }
    assert.equal(await ben.crypto.member.sendChat("it is Ben"), true);
    await waitFor("Ada and Cyd to get Ben's chat", () => chats.length === 2);
    for (const chat of chats) {
      assert.equal(
        chat.sender,
        ben.crypto.member.ownLeaf,
        `${chat.at} took the chat for another's`,
      );
      assert.equal(chat.displayName, "Ben");
    }
  });
});
