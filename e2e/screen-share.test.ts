/**
 * Screen share in Chromium (docs/protocol.md "Screen share"): the share reaches the others as a
 * tile of its own named "NAME (screen)", SFrame-encrypted with its own key, decoded, in the
 * presenter layout; it ends with Stop sharing or with the browser's own stop button.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import {
  browserSuite,
  DESKTOP,
  decryptedMore,
  decryptFailures,
  expectVideoFlowing,
  joinMeeting,
  layoutSettled,
  newMeetingLink,
  PHONE,
  settledSframe,
  sframeTotals,
  tile,
  videoFrames,
  waitFor,
} from "./browser.ts";

const SCREENSHOTS = fileURLToPath(new URL("../test-results/screenshots/", import.meta.url));
mkdirSync(SCREENSHOTS, { recursive: true });

/** Audio elements playing a stream, on or off screen. */
function playingAudio(page: Page): Promise<number> {
  return page
    .locator("audio")
    .evaluateAll(
      (els) => els.filter((el) => (el as unknown as { srcObject: unknown }).srcObject).length,
    );
}

interface WithTracks {
  srcObject: { getVideoTracks(): { dispatchEvent(event: unknown): void }[] };
}

describe("screen share in Chromium", () => {
  const suite = browserSuite();
  const participant = (viewport = DESKTOP) => suite.participant(viewport);

  test("a share decodes on the others' pages in a tile of its own, encrypted, and stopping removes it", async () => {
    const alice = await participant();
    const link = await newMeetingLink(alice.page, suite.server.url);
    await joinMeeting(alice.page, link, "Alice");
    const bob = await participant();
    const carol = await participant();
    await joinMeeting(bob.page, link, "Bob");
    await joinMeeting(carol.page, link, "Carol");
    for (const viewer of [bob, carol]) await expectVideoFlowing(viewer.page, "Alice");
    const audioBefore = await playingAudio(bob.page);

    const started = Date.now();
    await alice.page.getByRole("button", { name: "Share screen" }).click();
    await alice.page.getByRole("button", { name: "Stop sharing" }).waitFor();
    for (const [name, viewer] of [
      ["Bob", bob],
      ["Carol", carol],
    ] as const) {
      const screen = tile(viewer.page, "Alice (screen)");
      await screen.waitFor({ timeout: 10_000 });
      const { first, later } = await expectVideoFlowing(viewer.page, "Alice (screen)");
      console.log(
        `${name} decodes Alice's screen ${Date.now() - started} ms after Share screen: ${first} → ${later} frames`,
      );
    }
    // Presenter layout: the share has the focus, everyone else is in the strip.
    await bob.page
      .locator(".stage-focus")
      .getByRole("figure", { name: "Alice (screen)" })
      .waitFor();
    // The tab audio the browser offered plays too, beside Alice's and Carol's microphones.
    await waitFor("Alice's screen audio playing on Bob's page", async () =>
      (await playingAudio(bob.page)) === audioBefore + 1 ? true : null,
    );

    // Once the share is flowing, every frame opens: nothing dropped, the counts keep moving.
    const settled = await Promise.all([bob, carol].map((p) => settledSframe(p.page)));
    const shown = await videoFrames(bob.page, "Alice (screen)");
    const from = Date.now();
    const played = await waitFor(
      "15 more frames of Alice's screen on Bob's page",
      async () => {
        const n = await videoFrames(bob.page, "Alice (screen)");
        return n >= shown + 15 ? n : null;
      },
      20_000,
    );
    const fps = (played - shown) / ((Date.now() - from) / 1000);
    console.log(`Alice's screen plays at ${fps.toFixed(1)} frames/s on Bob's page`);
    assert.ok(fps > 1, "the share keeps playing");
    for (const [i, viewer] of [bob, carol].entries()) {
      const before = settled[i];
      const now = before && (await decryptedMore(viewer.page, before, 100));
      assert.ok(now && before);
      assert.equal(decryptFailures(now), decryptFailures(before), "no frame dropped");
      assert.ok(now.decrypted > before.decrypted);
    }
    console.log(`Bob's SFrame totals while Alice shares: ${JSON.stringify(settled[0])}`);

    await bob.page.screenshot({ path: `${SCREENSHOTS}presenter-desktop.png` });
    await alice.page.screenshot({ path: `${SCREENSHOTS}presenter-sharer-desktop.png` });
    await carol.page.setViewportSize(PHONE);
    await carol.page
      .locator(".stage-focus")
      .getByRole("figure", { name: "Alice (screen)" })
      .waitFor();
    await layoutSettled(carol.page);
    await carol.page.screenshot({ path: `${SCREENSHOTS}presenter-phone.png` });

    const stopped = Date.now();
    await alice.page.getByRole("button", { name: "Stop sharing" }).click();
    await alice.page.getByRole("button", { name: "Share screen" }).waitFor();
    for (const viewer of [bob, carol]) {
      await tile(viewer.page, "Alice (screen)").waitFor({ state: "detached", timeout: 5000 });
    }
    console.log(`the screen tile left both pages ${Date.now() - stopped} ms after Stop sharing`);
    await waitFor("Alice's screen audio gone from Bob's page", async () =>
      (await playingAudio(bob.page)) === audioBefore ? true : null,
    );
    await expectVideoFlowing(bob.page, "Alice");

    // Sharing again works, and the browser's own stop button ends it as Stop sharing does.
    await alice.page.getByRole("button", { name: "Share screen" }).click();
    await expectVideoFlowing(bob.page, "Alice (screen)");
    await tile(alice.page, "Alice (your screen)")
      .locator("video")
      .evaluate((video) => {
        // What the browser's own "Stop sharing" button does to the captured track.
        const track = (video as unknown as WithTracks).srcObject.getVideoTracks()[0];
        const EventClass = (globalThis as unknown as { Event: new (type: string) => unknown })
          .Event;
        track?.dispatchEvent(new EventClass("ended"));
      });
    await alice.page.getByRole("button", { name: "Share screen" }).waitFor();
    await tile(bob.page, "Alice (screen)").waitFor({ state: "detached", timeout: 5000 });
    const after = await sframeTotals(bob.page);
    assert.equal(
      after?.dropped["wrong-stream"] ?? 0,
      0,
      "no frame on a screen m-line was a camera's",
    );
  });
});
