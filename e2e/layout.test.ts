/**
 * Layouts in Chromium with a room of bots: grid pages with Previous/Next page, pinning, speaker
 * view, per-tile connection quality, and audio that keeps playing for participants whose tile is
 * on another page. Screenshots of each at desktop and phone sizes.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Bot, joinBot } from "@conclave/bot";
import type { Browser, Page } from "playwright-core";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import {
  DESKTOP,
  expectVideoFlowing,
  joinMeeting,
  launchBrowser,
  newMeetingLink,
  newParticipant,
  type Participant,
  PHONE,
  startServerBesideBrowsers,
  tile,
  waitFor,
} from "./browser.ts";

const SCREENSHOTS = fileURLToPath(new URL("../test-results/screenshots/", import.meta.url));
mkdirSync(SCREENSHOTS, { recursive: true });

interface Playing {
  srcObject: unknown;
  paused: boolean;
  currentTime: number;
}

/** Audio elements with a stream: whether each plays, and how far it got. */
function audioElements(page: Page): Promise<{ paused: boolean; time: number }[]> {
  return page
    .locator("audio")
    .evaluateAll((els) =>
      (els as unknown as Playing[])
        .filter((el) => el.srcObject)
        .map((el) => ({ paused: el.paused, time: el.currentTime })),
    );
}

const figures = (page: Page) => page.getByRole("figure").count();

describe("layouts in Chromium", () => {
  let server: ServerProcess;
  let browser: Browser;
  let alice: Participant | null = null;
  const bots: Bot[] = [];

  before(async () => {
    server = await startServerBesideBrowsers();
    browser = await launchBrowser();
  });

  after(async () => {
    await Promise.allSettled(bots.map((b) => b.leave()));
    if (alice?.errors.length) console.log(alice.errors.join("\n"));
    await alice?.context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("grid pages, pin, speaker view and quality with ten people; audio plays for tiles not shown", async () => {
    alice = await newParticipant(browser);
    const page = alice.page;
    const link = await newMeetingLink(page, server.url);
    await joinMeeting(page, link, "Alice");

    // Seven guests without media, and Dana and Eve, who send the bot's clip. (Every bot decrypts
    // all it receives in this process: more senders would starve them on a small machine.)
    const names = [...Array.from({ length: 7 }, (_, i) => `Guest ${i + 1}`), "Dana", "Eve"];
    for (const name of names) {
      bots.push(await joinBot({ url: link, name, publish: name === "Dana" || name === "Eve" }));
    }
    await waitFor("ten people on Alice's page", () => page.getByText("10 people").count(), 60_000);

    // Desktop: nine tiles a page, so Eve (the tenth) is on page 2.
    await page.getByText("Page 1 of 2").waitFor({ timeout: 30_000 });
    assert.equal(await figures(page), 9);
    assert.equal(await tile(page, "Eve").count(), 0);
    await waitFor("Guest 1 named from the MLS roster", () => tile(page, "Guest 1").count(), 30_000);
    await expectVideoFlowing(page, "Dana", 30_000);
    // Eight remote tiles are shown, but both microphones that are on play, Eve's too, whose tile
    // is on page 2. (A guest's microphone, never on, is not forwarded: no m-line, no element.)
    const first = await waitFor("two audio elements playing", async () => {
      const audio = await audioElements(page);
      return audio.length === 2 && audio.every((a) => !a.paused) ? audio : null;
    });
    const later = await waitFor("every audio element further on", async () => {
      const now = await audioElements(page);
      return now.every((a, i) => a.time > (first[i]?.time ?? 0)) ? now : null;
    });
    assert.ok(
      later.every((a, i) => a.time > (first[i]?.time ?? 0)),
      `audio keeps playing for a tile on another page: ${JSON.stringify([first, later])}`,
    );
    // Every remote tile with media gets a connection quality once there is enough to judge.
    await waitFor(
      "a connection quality on Dana's tile",
      () =>
        tile(page, "Dana")
          .getByRole("img", { name: /^Connection: (good|fair|poor)$/ })
          .count(),
      15_000,
    );
    const quality = await tile(page, "Dana").getByRole("img").getAttribute("aria-label");
    console.log(`Dana's tile on Alice's page says "${quality}"`);
    await page.screenshot({ path: `${SCREENSHOTS}grid-pages-desktop.png` });

    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText("Page 2 of 2").waitFor();
    await tile(page, "Eve").waitFor();
    assert.equal(await figures(page), 1);
    assert.ok(await page.getByRole("button", { name: "Next page" }).isDisabled());
    await page.screenshot({ path: `${SCREENSHOTS}grid-page-2-desktop.png` });
    await page.getByRole("button", { name: "Previous page" }).click();
    await page.getByText("Page 1 of 2").waitFor();

    // Phone: six tiles a page.
    await page.setViewportSize(PHONE);
    await waitFor("six tiles a page on a phone", async () =>
      (await figures(page)) === 6 ? 6 : null,
    );
    await page.getByText("Page 1 of 2").waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}grid-pages-phone.png` });
    await page.setViewportSize(DESKTOP);

    // Pinning Dana gives her the room; the others go to the strip, in pages of their own.
    await page.getByRole("button", { name: "Pin Dana" }).click();
    await page.locator(".stage-focus").getByRole("figure", { name: "Dana", exact: true }).waitFor();
    await expectVideoFlowing(page, "Dana");
    assert.equal(
      await page.getByRole("button", { name: "Pin Dana" }).getAttribute("aria-pressed"),
      "true",
    );
    await page.screenshot({ path: `${SCREENSHOTS}pinned-desktop.png` });
    await page.setViewportSize(PHONE);
    await page.locator(".stage-focus").getByRole("figure", { name: "Dana", exact: true }).waitFor();
    await expectVideoFlowing(page, "Dana");
    await page.screenshot({ path: `${SCREENSHOTS}pinned-phone.png` });
    await page.setViewportSize(DESKTOP);
    await page.getByRole("button", { name: "Pin Dana" }).click();
    await page.locator(".stage-focus").waitFor({ state: "detached" });

    // Speaker view: someone else than Alice has the focus, everyone else is in the strip.
    await page.getByRole("button", { name: "Speaker view" }).click();
    const focused = page.locator(".stage-focus").getByRole("figure");
    await focused.waitFor();
    assert.notEqual(await focused.getAttribute("aria-label"), "Alice (you)");
    await page.screenshot({ path: `${SCREENSHOTS}speaker-desktop.png` });
    await page.getByRole("button", { name: "Grid view" }).click();
    await page.locator(".stage-focus").waitFor({ state: "detached" });
  });
});
