/**
 * Comforts around the call: the meeting timer in the header, picture-in-picture of the person the
 * stage focuses (Document Picture-in-Picture, or the video element's own where that is missing),
 * and the app's own page for an address where nothing is.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { expectAccessible } from "./axe.ts";
import {
  browserSuite,
  expectVideoFlowing,
  joinMeeting,
  newMeetingLink,
  tile,
  waitFor,
} from "./browser.ts";

/** The parts of a video element these checks read (e2e code has no DOM types). */
interface VideoLike {
  readonly srcObject: { getVideoTracks(): { id: string }[] } | null;
  getVideoPlaybackQuality(): { totalVideoFrames: number };
}
interface DocumentLike {
  querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  readonly pictureInPictureElement?: unknown;
}

/** The id of the video track a tile plays. */
function tileTrack(page: Page, name: string): Promise<string | undefined> {
  return tile(page, name)
    .locator("video")
    .evaluate((v) => (v as unknown as VideoLike).srcObject?.getVideoTracks()[0]?.id);
}

/** What the Document Picture-in-Picture window shows: its label, track and frames so far. */
function documentPip(page: Page) {
  return page.evaluate(() => {
    const pip = (
      globalThis as { documentPictureInPicture?: { window: { document: DocumentLike } | null } }
    ).documentPictureInPicture?.window;
    const figure = pip?.document.querySelector("figure");
    const video = pip?.document.querySelector("video") as unknown as VideoLike | null | undefined;
    if (!pip || !figure || !video) return null;
    return {
      label: figure.getAttribute("aria-label"),
      track: video.srcObject?.getVideoTracks()[0]?.id,
      frames: video.getVideoPlaybackQuality().totalVideoFrames,
    };
  });
}

const pipButton = (page: Page) => page.getByRole("button", { name: "Picture-in-picture" });

describe("comforts in Chromium", () => {
  const suite = browserSuite();

  test("the header shows how long we have been in the meeting, and it runs", async () => {
    const alice = await suite.participant();
    const link = await newMeetingLink(alice.page, suite.server.url);
    await joinMeeting(alice.page, link, "Alice");
    const timer = alice.page.getByRole("timer");
    const first = (await timer.textContent()) ?? "";
    assert.match(first, /In the meeting for \d+:\d\d$/);
    await waitFor(
      "the timer to move on",
      async () => ((await timer.textContent()) ?? "") !== first,
    );
    assert.match((await timer.locator("time").getAttribute("datetime")) ?? "", /^PT0H\dM\d+S$/);
    await expectAccessible(alice.page, "the meeting with its timer");
    await alice.page.setViewportSize({ width: 390, height: 844 });
    await expectAccessible(alice.page, "the meeting with its timer on a phone");
    await alice.page.screenshot({ path: "test-results/meeting-timer-phone.png" });
  });

  test("picture-in-picture shows the focused person in a window of its own and follows a pin; closing it stops", async () => {
    const alice = await suite.participant();
    const bob = await suite.participant();
    const link = await newMeetingLink(alice.page, suite.server.url);
    await joinMeeting(alice.page, link, "Alice");
    await joinMeeting(bob.page, link, "Bob");
    await expectVideoFlowing(alice.page, "Bob");
    const bobTrack = await tileTrack(alice.page, "Bob");
    assert.ok(bobTrack);

    assert.equal(await pipButton(alice.page).getAttribute("data-pip-kind"), "document");
    await pipButton(alice.page).click();
    await waitFor("the window on Bob's video", async () => {
      const pip = await documentPip(alice.page);
      return pip?.label === "Bob" && pip.track === bobTrack;
    });
    const shown = await waitFor("frames in the window", async () => {
      const pip = await documentPip(alice.page);
      return pip !== null && pip.frames > 0 ? pip : null;
    });
    await waitFor("more frames in the window", async () => {
      const pip = await documentPip(alice.page);
      return (pip?.frames ?? 0) > shown.frames;
    });
    assert.equal(await pipButton(alice.page).getAttribute("aria-pressed"), "true");

    // Pinning our own tile puts it in the window.
    await tile(alice.page, "Alice (you)").hover();
    await alice.page.getByRole("button", { name: "Pin Alice (you)" }).click();
    await waitFor(
      "the window on Alice",
      async () => (await documentPip(alice.page))?.label === "Alice (you)",
    );

    await pipButton(alice.page).click();
    await waitFor("the window closed", async () => (await documentPip(alice.page)) === null);
    assert.equal(await pipButton(alice.page).getAttribute("aria-pressed"), "false");
  });

  test("without Document Picture-in-Picture, the video element's own picture-in-picture plays the focused person", async () => {
    const alice = await suite.participant();
    const bob = await suite.participant();
    await alice.context.addInitScript(() => {
      Object.defineProperty(globalThis, "documentPictureInPicture", { value: undefined });
      delete (globalThis as { documentPictureInPicture?: unknown }).documentPictureInPicture;
    });
    const link = await newMeetingLink(alice.page, suite.server.url);
    await joinMeeting(alice.page, link, "Alice");
    await joinMeeting(bob.page, link, "Bob");
    await expectVideoFlowing(alice.page, "Bob");
    const bobTrack = await tileTrack(alice.page, "Bob");
    assert.equal(await pipButton(alice.page).getAttribute("data-pip-kind"), "video");
    await pipButton(alice.page).click();
    const inPip = () =>
      alice.page.evaluate(() => {
        const doc = (globalThis as unknown as { document: DocumentLike }).document;
        const video = doc.pictureInPictureElement as VideoLike | null;
        return video?.srcObject?.getVideoTracks()[0]?.id ?? null;
      });
    await waitFor("Bob's video in picture-in-picture", async () => (await inPip()) === bobTrack);
    await pipButton(alice.page).click();
    await waitFor("picture-in-picture closed", async () => (await inPip()) === null);
  });

  test("an address where nothing is gets the app's page with status 404 and a way home", async () => {
    const visitor = await suite.participant();
    const response = await visitor.page.goto(`${suite.server.url}/no/such/page`);
    assert.equal(response?.status(), 404);
    await visitor.page.getByRole("heading", { name: "Page not found" }).waitFor();
    await expectAccessible(visitor.page, "the page for unknown addresses");
    await visitor.page.getByRole("link", { name: "Go to the home page" }).click();
    await visitor.page.getByRole("button", { name: "New meeting" }).waitFor();
    assert.equal(new URL(visitor.page.url()).pathname, "/");
  });
});
