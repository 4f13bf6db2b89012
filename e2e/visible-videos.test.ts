/**
 * Forward only what is seen (docs/media-adaptation.md "View"): a phone that shows one pinned
 * video and a strip of two receives no bytes for the video of a participant off screen, and that
 * video starts as soon as the strip pages to it. Without the page's `view` message, or with the
 * SFU ignoring it, every camera would arrive and the first check fails.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { BotProcess } from "./bot-process.ts";
import {
  browserSuite,
  expectVideoFlowing,
  hostMeeting,
  layoutSettled,
  PHONE,
  tile,
  waitFor,
} from "./browser.ts";
import { inboundVideoBytes, recordPeerConnections } from "./peer-connections.ts";

const NAMES = ["Bot A", "Bot B", "Bot C", "Bot D"];

/** Names of the bots whose tile renders a video element on the page now. */
async function shownBots(page: Page): Promise<string[]> {
  const shown: string[] = [];
  for (const name of NAMES) {
    if ((await tile(page, name).locator("video").count()) > 0) shown.push(name);
  }
  return shown;
}

/** How many received videos grew by at least one packet's worth over `ms`. */
async function videosArriving(page: Page, ms: number): Promise<number> {
  const before = await inboundVideoBytes(page);
  await page.waitForTimeout(ms);
  const after = await inboundVideoBytes(page);
  return [...after].filter(([id, bytes]) => bytes - (before.get(id) ?? 0) > 1000).length;
}

describe("forward only what is seen", () => {
  const suite = browserSuite();
  const bots: BotProcess[] = [];

  test("a phone receives no video for a tile off screen, and gets it once the tile shows", async () => {
    const alice = await suite.participant(PHONE);
    await recordPeerConnections(alice.context);
    const link = await hostMeeting(suite, alice.page, "Alice");
    try {
      for (const name of NAMES) bots.push(new BotProcess(link, name));
      for (const name of NAMES) await tile(alice.page, name).waitFor({ timeout: 60_000 });
      await alice.page.getByRole("button", { name: "Pin Bot A" }).click();
      await layoutSettled(alice.page);
      const shown = await shownBots(alice.page);
      assert.ok(shown.includes("Bot A"), "the pinned bot is shown");
      assert.ok(shown.length < NAMES.length, `some bot is off screen (shown: ${shown.join(", ")})`);
      for (const name of shown) await expectVideoFlowing(alice.page, name, 30_000);

      // Videos off screen are not forwarded: what arrives is at most what is shown.
      await waitFor(
        `no more videos arriving than the ${shown.length} shown`,
        async () => (await videosArriving(alice.page, 2000)) <= shown.length,
        20_000,
      );

      // Paging the strip shows another bot: its video comes at once.
      const hidden = NAMES.filter((n) => !shown.includes(n));
      await alice.page.getByRole("button", { name: "Next page" }).click();
      const next = (await shownBots(alice.page)).find((n) => hidden.includes(n));
      assert.ok(next, "the next page shows a bot that was off screen");
      await expectVideoFlowing(alice.page, next, 10_000);
    } finally {
      for (const bot of bots.splice(0)) bot.stop();
    }
  });
});
