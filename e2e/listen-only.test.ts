/**
 * Listen-only: a person whose browser gives no camera and no microphone (both denied here) joins
 * anyway, receives and decrypts everyone, chats, and raises no alarm. Chromium without capture
 * permission hides its addresses behind mDNS names, like Firefox (docs/browsers.md).
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { after, afterEach, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import {
  CHROMIUM_ARGS,
  decryptFailures,
  expectVideoFlowing,
  joinMeeting,
  launchBrowser,
  newMeetingLink,
  newParticipant,
  type Participant,
  sframeTotals,
  startServerBesideBrowsers,
  waitFor,
} from "./browser.ts";

const SCREENSHOTS = fileURLToPath(new URL("../test-results/screenshots/", import.meta.url));
mkdirSync(SCREENSHOTS, { recursive: true });

let server: ServerProcess;
let withDevices: Browser;
/** Chromium as a person who never allowed capture: no fake-UI flag, no permissions granted. */
let withoutDevices: Browser;
const open: Participant[] = [];

/** WebSockets the page opened, counted by an init script. */
async function socketsOpened(p: Participant): Promise<number> {
  return p.page.evaluate(() => (globalThis as unknown as { socketsOpened: number }).socketsOpened);
}

describe("listen-only in Chromium", () => {
  before(async () => {
    server = await startServerBesideBrowsers();
    withDevices = await launchBrowser();
    withoutDevices = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: CHROMIUM_ARGS.filter((a) => a !== "--use-fake-ui-for-media-stream"),
    });
  });
  afterEach(async () => {
    for (const p of open.splice(0)) {
      if (p.errors.length > 0) console.log(p.errors.join("\n"));
      await p.context.close().catch(() => {});
    }
  });
  after(async () => {
    await withoutDevices?.close();
    await withDevices?.close();
    await server?.stop();
  });

  test("camera and microphone denied: joins, decrypts video and audio, chats both ways, no alarm, one WebSocket for 60 s", async () => {
    const alice = await newParticipant(withDevices);
    open.push(alice);
    const link = await newMeetingLink(alice.page, server.url);
    await joinMeeting(alice.page, link, "Alice");

    const context = await withoutDevices.newContext({ colorScheme: "dark" });
    // A string, not a function: tsx would wrap names in a helper the page does not have.
    await context.addInitScript({
      content: `{
        const Native = globalThis.WebSocket;
        globalThis.socketsOpened = 0;
        globalThis.WebSocket = class extends Native {
          constructor(...args) { super(...args); globalThis.socketsOpened++; }
        };
      }`,
    });
    const page = await context.newPage();
    const lee: Participant = { context, page, errors: [] };
    page.on("pageerror", (e) => lee.errors.push(`pageerror: ${e.message}`));
    open.push(lee);

    await page.goto(link);
    await page.getByText("Your browser blocked the camera and microphone").waitFor();
    await page.getByRole("textbox", { name: "Your name" }).fill("Lee");
    const join = page.getByRole("button", { name: "Join without camera and microphone" });
    await join.waitFor();
    assert.equal(
      await page.getByRole("checkbox", { name: "Noise suppression" }).count(),
      0,
      "no microphone processing to set without a microphone",
    );
    await page.screenshot({ path: `${SCREENSHOTS}listen-only-prejoin-desktop.png` });
    await join.click();
    await page.getByRole("button", { name: "Leave", exact: true }).waitFor({ timeout: 15_000 });
    const joined = Date.now();

    await expectVideoFlowing(page, "Alice", 30_000);
    // Frames that came before Lee held the epoch's keys are dropped as unknown-KID while joining;
    // from here on, none may fail.
    // The page publishes its worker's totals about once a second: video can come first.
    const settled = await waitFor(
      "Lee's worker to report SFrame totals",
      () => sframeTotals(page),
      10_000,
    );
    // Audio: with Alice's camera off, what Lee keeps opening is her microphone. Every frame is
    // authenticated before it reaches a decoder; failures are dropped and counted, never played.
    await alice.page.getByRole("button", { name: "Camera", exact: true }).click();
    const before = (await sframeTotals(page))?.decrypted ?? 0;
    await waitFor(
      "Lee to open 50 more of Alice's frames with her camera off",
      async () => {
        const totals = await sframeTotals(page);
        return totals !== null && totals.decrypted - before >= 50;
      },
      20_000,
    );

    // Chat both ways.
    await alice.page.getByRole("button", { name: "Chat", exact: true }).click();
    await page.getByRole("button", { name: "Chat", exact: true }).click();
    await page.getByRole("textbox", { name: "Message" }).fill("listening in");
    await page.getByRole("textbox", { name: "Message" }).press("Enter");
    await alice.page.getByRole("list", { name: "Messages" }).getByText("listening in").waitFor();
    await alice.page.getByRole("textbox", { name: "Message" }).fill("welcome, Lee");
    await alice.page.getByRole("textbox", { name: "Message" }).press("Enter");
    await page.getByRole("list", { name: "Messages" }).getByText("welcome, Lee").waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}listen-only-meeting-desktop.png` });

    // A minute in the meeting on one WebSocket, with no alarm on either side.
    await page.waitForTimeout(Math.max(0, 60_000 - (Date.now() - joined)));
    assert.equal(await socketsOpened(lee), 1, "Lee's page kept its first WebSocket");
    for (const p of [alice, lee]) {
      assert.equal(await p.page.getByRole("alert").count(), 0, "no alarm");
    }
    const totals = await sframeTotals(page);
    assert.ok(totals, "Lee's worker reports SFrame totals");
    assert.equal(
      decryptFailures(totals),
      decryptFailures(settled),
      `Lee dropped no frame once in (${JSON.stringify(totals.dropped)})`,
    );
  });
});
