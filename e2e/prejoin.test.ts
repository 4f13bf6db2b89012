/**
 * The prejoin screen while camera and microphone are still starting (held back here until the
 * test lets them through): Join stays where it is as the device settings fill in, and is in view
 * on a phone; a person who clicks it before their camera is ready joins, and the others see their
 * video once it comes.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import {
  browserSuite,
  DESKTOP,
  expectVideoFlowing,
  hostMeeting,
  inGroup,
  newMeetingLink,
  type Participant,
  PHONE,
} from "./browser.ts";

const suite = browserSuite();

/** A participant whose camera and microphone answer only once `releaseDevices` is called. */
async function slowDevices(
  viewport: { width: number; height: number } = DESKTOP,
): Promise<Participant> {
  const p = await suite.participant(viewport);
  await p.context.addInitScript(() => {
    type GetUserMedia = (constraints: unknown) => Promise<unknown>;
    const scope = globalThis as unknown as {
      navigator: { mediaDevices: { getUserMedia: GetUserMedia } };
      releaseDevices: () => void;
    };
    const media = scope.navigator.mediaDevices;
    const original = media.getUserMedia.bind(media);
    const gate = new Promise<void>((resolve) => {
      scope.releaseDevices = resolve;
    });
    media.getUserMedia = async (constraints) => {
      await gate;
      return original(constraints);
    };
  });
  return p;
}

function releaseDevices(page: Page): Promise<void> {
  return page.evaluate(() =>
    (globalThis as unknown as { releaseDevices: () => void }).releaseDevices(),
  );
}

const STARTING = "Still getting your camera and microphone; you can join now or wait.";

describe("prejoin while camera and microphone start", () => {
  for (const [label, viewport] of [
    ["1280×800", DESKTOP],
    ["375 px", PHONE],
  ] as const) {
    test(`Join stays put as the devices arrive, in view without scrolling (${label})`, async () => {
      const { page } = await slowDevices(viewport);
      await newMeetingLink(page, suite.server.url);
      const join = page.getByRole("button", { name: "Join", exact: true });
      await page.getByText(STARTING).waitFor();
      const before = await join.boundingBox();
      assert.ok(before, "Join is shown while the devices start");
      assert.ok(
        before.y + before.height <= viewport.height,
        `Join (bottom at ${before.y + before.height} px) is in view in a ${viewport.height} px window`,
      );

      await releaseDevices(page);
      await page.getByText("Speak to test your microphone").waitFor();
      await page.getByRole("combobox", { name: "Speaker" }).waitFor();
      const after = await join.boundingBox();
      assert.deepEqual(after, before, "Join did not move when the device settings filled in");
    });
  }

  test("a person who clicks Join before their camera is ready joins, and the others then see their video", async () => {
    const alice = await suite.participant();
    const link = await hostMeeting(suite, alice.page, "Alice");
    const bob = await slowDevices();
    await bob.page.goto(link);
    await bob.page.getByText(STARTING).waitFor();
    await bob.page.getByRole("textbox", { name: "Your name" }).fill("Bob");
    await bob.page.getByRole("button", { name: "Join", exact: true }).click();
    await bob.page.getByRole("button", { name: "Leave", exact: true }).waitFor();
    await inGroup(bob.page, "Bob");

    await releaseDevices(bob.page);
    await expectVideoFlowing(alice.page, "Bob");
    await expectVideoFlowing(bob.page, "Alice");
  });
});
