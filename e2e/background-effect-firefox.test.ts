/**
 * The background effect in Firefox, which has no MediaStreamTrackProcessor on the page: the
 * camera is composed on a canvas whose captureStream() is sent (effects/effect-pipeline.ts). With
 * blur on, Firefox's effect runs (LiteRT.js under the app's CSP) and Chromium keeps decoding
 * Firefox's video; the noise removal switch says Firefox keeps its own suppression.
 */
import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import {
  expectVideoFlowing,
  joinMeeting,
  launchBrowser,
  newMeetingLink,
  newParticipant,
  type Participant,
  startServerBesideBrowsers,
  waitFor,
} from "./browser.ts";
import {
  byRole,
  type FirefoxBrowser,
  type FirefoxParticipant,
  firefoxParticipant,
  joinInFirefox,
  launchFirefox,
} from "./firefox.ts";

let server: ServerProcess;
let chromium: Browser;
let firefox: FirefoxBrowser;
const open: Array<Participant | FirefoxParticipant> = [];

describe("background effect in Firefox", () => {
  before(async () => {
    server = await startServerBesideBrowsers();
    chromium = await launchBrowser();
    firefox = await launchFirefox();
  });
  afterEach(async () => {
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

  test("blur runs on a canvas capture and Chromium keeps decoding it; noise removal defers to Firefox's own", async () => {
    const alice = await newParticipant(chromium);
    open.push(alice);
    const link = await newMeetingLink(alice.page, server.url);
    await joinMeeting(alice.page, link, "Alice");
    const fay = await firefoxParticipant(firefox);
    open.push(fay);
    await joinInFirefox(fay.page, link, "Fay");
    await expectVideoFlowing(alice.page, "Fay", 30_000);

    // A generous frame budget: the shared test machine is often loaded past its two cores, where
    // the effect would rightly switch itself off (e2e/background-effect.test.ts checks that).
    await fay.page.evaluate(`localStorage.setItem("conclave.effects.frameBudgetMs", "1000")`);
    await byRole(fay.page, "button", "Devices").click();
    await fay.page
      .locator('::-p-xpath(//label[normalize-space(.)="Blur background"]/input)')
      .click();
    await waitFor(
      "the effect running in Firefox",
      async () =>
        (await fay.page.$eval("[data-effect-status]", (e) =>
          e.getAttribute("data-effect-status"),
        )) === "on",
      30_000,
    );
    // The sent track is now the canvas's: Chromium keeps presenting new frames of it.
    await expectVideoFlowing(alice.page, "Fay", 30_000);
    await waitFor("Firefox's own noise suppression named", async () => {
      const text = await fay.page.$eval("#device-panel", (e) => e.textContent ?? "");
      return text.includes("keeps its own noise suppression");
    });
    const disabled = await fay.page.$eval(
      "[data-noise-status]",
      (e) => (e as unknown as { disabled: boolean }).disabled,
    );
    assert.ok(disabled, "the noise removal switch is disabled in Firefox");
  });
});
