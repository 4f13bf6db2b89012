/**
 * Firefox in a meeting with Chromium and a bot, against the real server: Debian's firefox-esr over
 * WebDriver BiDi (e2e/firefox.ts). Firefox hides its addresses behind mDNS names and offers its
 * camera and screen m-lines as bundle-only (docs/browsers.md); each must still reach the others,
 * encrypted, and the others' media must reach it.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, afterEach, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import { BotProcess } from "./bot-process.ts";
import {
  expectVideoFlowing,
  joinMeeting,
  launchBrowser,
  newMeetingLink,
  newParticipant,
  type Participant,
  sframeTotals,
  startServerBesideBrowsers,
  tile,
  waitFor,
} from "./browser.ts";
import {
  byRole,
  type FirefoxBrowser,
  type FirefoxParticipant,
  firefoxParticipant,
  joinInFirefox,
  launchFirefox,
  presentedFrames,
} from "./firefox.ts";

const SCREENSHOTS = fileURLToPath(new URL("../test-results/screenshots/", import.meta.url));
mkdirSync(SCREENSHOTS, { recursive: true });

let server: ServerProcess;
let chromium: Browser;
let firefox: FirefoxBrowser;
const open: Array<Participant | FirefoxParticipant> = [];
const bots: BotProcess[] = [];

/** Waits until Firefox presents frames of `name`'s tile, counted over 1.5 s. */
function firefoxDecodes(fay: FirefoxParticipant, name: string, timeoutMs = 30_000) {
  return waitFor(
    `Firefox to present ${name}'s video`,
    async () => {
      const frames = await presentedFrames(fay.page, name);
      return frames >= 5 ? frames : false;
    },
    timeoutMs,
    250,
  );
}

async function botDecodes(bot: BotProcess, id: string): Promise<void> {
  await waitFor(`the bot to open ${id}'s video`, async () => bot.framesFrom(id) > 20, 30_000).catch(
    (error: unknown) => {
      throw new Error(`${String(error)}; the bot received ${JSON.stringify(bot.stats?.received)}`);
    },
  );
}

async function firefoxText(fay: FirefoxParticipant, selector: string): Promise<string | null> {
  return fay.page.$eval(selector, (e) => e.textContent).catch(() => null);
}

describe("Firefox with Chromium and a bot", () => {
  before(async () => {
    server = await startServerBesideBrowsers();
    chromium = await launchBrowser();
    firefox = await launchFirefox();
  });
  afterEach(async () => {
    for (const bot of bots.splice(0)) bot.stop();
    for (const p of open.splice(0)) {
      if (p.errors.length > 0) console.log(p.errors.join("\n"));
      await ("context" in p ? p.context.close() : p.close()).catch(() => {});
    }
  });
  after(async () => {
    await firefox?.close();
    await chromium?.close();
    await server?.stop();
  });

  test("each decodes the others' video, the security codes are equal, chat goes both ways, Firefox shares its screen and comes back after going offline", async () => {
    const alice = await newParticipant(chromium);
    open.push(alice);
    const link = await newMeetingLink(alice.page, server.url);
    await joinMeeting(alice.page, link, "Alice");
    const fay = await firefoxParticipant(firefox);
    open.push(fay);
    await joinInFirefox(fay.page, link, "Fay");
    const bot = new BotProcess(link, "Botty");
    bots.push(bot);

    // Video every way: Chromium counts presented frames, Firefox counts frame callbacks, the bot
    // counts frames it opened. Nothing undecryptable reaches a decoder, so frames mean keys.
    await expectVideoFlowing(alice.page, "Fay", 30_000);
    await expectVideoFlowing(alice.page, "Botty", 30_000);
    await firefoxDecodes(fay, "Alice");
    await firefoxDecodes(fay, "Botty");
    const ids = await waitFor("the bot's report of Alice and Fay", async () => {
      const seen = bot.stats?.participants.map((p) => p.id) ?? [];
      return seen.length === 2 ? seen : false;
    });
    for (const id of ids) await botDecodes(bot, id);

    await fay.page.screenshot({ path: `${SCREENSHOTS}firefox-meeting-desktop.png` });
    await alice.page.screenshot({ path: `${SCREENSHOTS}firefox-meeting-seen-from-chromium.png` });

    // One group: the same security code on every side.
    await alice.page.getByRole("button", { name: "Security" }).click();
    await byRole(fay.page, "button", "Security").click();
    const code = await waitFor(
      "the same security code in Chromium, Firefox and the bot",
      async () => {
        const inChromium = (await alice.page.getByLabel("Security code").textContent())
          ?.replace(/\s+/g, " ")
          .trim();
        const inFirefox = (await firefoxText(fay, '[aria-label="Security code"]'))
          ?.replace(/\s+/g, " ")
          .trim();
        const inBot = bot.stats?.e2ee?.securityCode?.replace(/\s+/g, " ").trim();
        return inChromium &&
          /^\d{5}( \d{5}){4}$/.test(inChromium) &&
          inChromium === inFirefox &&
          inFirefox === inBot
          ? inChromium
          : false;
      },
    );
    assert.match(code, /^\d{5}( \d{5}){4}$/);

    // Chat both ways.
    await alice.page.getByRole("button", { name: "Chat", exact: true }).click();
    await byRole(fay.page, "button", "Chat").click();
    const box = alice.page.getByRole("textbox", { name: "Message" });
    await box.fill("hello from Chromium");
    await box.press("Enter");
    await waitFor("Chromium's message in Firefox", async () =>
      (await firefoxText(fay, '[aria-label="Messages"]'))?.includes("hello from Chromium"),
    );
    await byRole(fay.page, "textbox", "Message").fill("hello from Firefox");
    await fay.page.keyboard.press("Enter");
    await alice.page
      .getByRole("list", { name: "Messages" })
      .getByText("hello from Firefox")
      .waitFor({ timeout: 10_000 });

    // Firefox's diagnostics name what it sends (its outbound-rtp has no mediaSourceId).
    await byRole(fay.page, "button", "Diagnostics").click();
    await fay.page.waitForFunction(
      `[...document.querySelectorAll("h3")].find((h) => h.textContent === "Sending")
        ?.nextElementSibling?.querySelector("tbody tr th")?.textContent === "audio"
        && [...document.querySelectorAll("h3")].find((h) => h.textContent === "Sending")
        .nextElementSibling.querySelectorAll("tbody tr").length >= 2`,
      { timeout: 15_000 },
    );
    await byRole(fay.page, "button", "Diagnostics").click();

    // Firefox shares its screen (the virtual display); Chromium decodes it.
    await byRole(fay.page, "button", "Share screen").click();
    await expectVideoFlowing(alice.page, "Fay (screen)", 30_000);
    await byRole(fay.page, "button", "Stop sharing").click();
    await tile(alice.page, "Fay (screen)").waitFor({ state: "detached", timeout: 10_000 });

    // Offline and back: Firefox takes its place back and media flows again both ways.
    await fay.page.setOfflineMode(true);
    await tile(alice.page, "Fay").getByText("Reconnecting…").first().waitFor({ timeout: 15_000 });
    await fay.page.setOfflineMode(false);
    await alice.page
      .locator('figure[aria-label="Fay"] .tile-status')
      .waitFor({ state: "detached", timeout: 20_000 });
    const before = await alice.page
      .locator('figure[aria-label="Fay"] video')
      .evaluate(
        (v) =>
          (
            v as unknown as { getVideoPlaybackQuality(): { totalVideoFrames: number } }
          ).getVideoPlaybackQuality().totalVideoFrames,
      );
    await waitFor(
      "Fay's video in Chromium again",
      async () => {
        const n = await alice.page
          .locator('figure[aria-label="Fay"] video')
          .evaluate(
            (v) =>
              (
                v as unknown as { getVideoPlaybackQuality(): { totalVideoFrames: number } }
              ).getVideoPlaybackQuality().totalVideoFrames,
          );
        return n > before + 10 || (n > 10 && n < before);
      },
      20_000,
    );
    await firefoxDecodes(fay, "Alice", 20_000);

    const totals = await sframeTotals(alice.page);
    assert.ok(totals && totals.decrypted > 0, "Chromium opened SFrame frames");
  });
});
