/**
 * A blocked camera and microphone fixed from inside the meeting, in Chromium against the real
 * server: the browser really refuses them (no permission, no automatic prompt answer), the meeting
 * says how to allow them, and after the permission is given, Try again gets the devices and sends
 * them, encrypted, to the others, without leaving the meeting.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium } from "playwright-core";
import { expectAccessible } from "./axe.ts";
import {
  browserSuite,
  CHROMIUM_ARGS,
  DESKTOP,
  expectVideoFlowing,
  hostMeeting,
  inGroup,
  tile,
  waitFor,
} from "./browser.ts";

const suite = browserSuite();
/** Without --use-fake-ui-for-media-stream: a page without permission is refused, as in life. */
let strict: Browser | undefined;
before(async () => {
  strict = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS.filter((a) => a !== "--use-fake-ui-for-media-stream"),
  });
});
after(async () => {
  await strict?.close();
});

describe("device retry in the meeting in Chromium", () => {
  test("a blocked camera and microphone are explained in the meeting, and Try again sends them once allowed", async () => {
    const alice = await suite.participant();
    const link = await hostMeeting(suite, alice.page, "Alice");
    if (!strict) throw new Error("the strict browser starts first");
    const context = await strict.newContext({ viewport: DESKTOP, colorScheme: "dark" });
    try {
      const page = await context.newPage();
      await page.goto(link);
      await page.getByText("Your browser blocked the camera and microphone.").waitFor();
      await page.getByRole("textbox", { name: "Your name" }).fill("Bob");
      await page
        .getByRole("button", { name: "Join without camera and microphone", exact: true })
        .click();
      await inGroup(page, "Bob");
      await tile(alice.page, "Bob").waitFor({ timeout: 30_000 });

      // The camera's button says it does not work and opens the help: what to do in the browser.
      const camera = page.getByRole("button", { name: "Camera", exact: true });
      assert.equal(await camera.isDisabled(), false);
      await camera.click();
      const help = page.getByRole("dialog", { name: "Camera not working" });
      await help.getByText("Your browser blocked the camera").waitFor();
      await help.getByText("allow Camera for this site").waitFor();
      assert.equal(await help.getByText("join without").count(), 0, "Bob has joined already");
      await expectAccessible(page, "camera help in the meeting");

      // Still blocked: Try again is refused again, and says so.
      await help.getByRole("button", { name: "Try again" }).click();
      await help.getByText("Your browser blocked the camera").waitFor();

      // The person allows both in the browser; Try again gets the camera and sends it.
      await context.grantPermissions(["camera", "microphone"], { origin: new URL(link).origin });
      await help.getByRole("button", { name: "Try again" }).click();
      await help.waitFor({ state: "detached" });
      await waitFor(
        "the camera on",
        async () => (await camera.getAttribute("aria-pressed")) === "true",
      );
      await expectVideoFlowing(alice.page, "Bob", 30_000);

      // The microphone the same way, from its own button.
      const mic = page.getByRole("button", { name: "Microphone", exact: true });
      await mic.click();
      const micHelp = page.getByRole("dialog", { name: "Microphone not working" });
      await micHelp.getByRole("button", { name: "Try again" }).click();
      await micHelp.waitFor({ state: "detached" });
      await waitFor(
        "the microphone on",
        async () => (await mic.getAttribute("aria-pressed")) === "true",
      );
      await waitFor(
        "Alice sees Bob's microphone on",
        async () => (await tile(alice.page, "Bob").getByText("Microphone off").count()) === 0,
      );
      // Bob never left: one page, still in the meeting.
      await page.getByRole("button", { name: "Leave", exact: true }).waitFor();
    } finally {
      await context.close();
    }
  });
});
