/**
 * Changing devices in a call (Chromium with two fake cameras): a camera switch replaces the sent
 * track in place, so the others keep decoding with no frame lost to decryption (the worker's
 * SFrame counter for the camera's KID carries on across the new encoder); the microphone's
 * processing is switched by opening it again; the speaker choice reaches every audio element.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import {
  CHROMIUM_ARGS,
  decryptedMore,
  decryptFailures,
  expectVideoFlowing,
  joinMeeting,
  newMeetingLink,
  newParticipant,
  type Participant,
  settledSframe,
  sframeTotals,
  startServerBesideBrowsers,
  tile,
  videoFrames,
  waitFor,
} from "./browser.ts";

/** Just what the tests read of the page's DOM types (the e2e typecheck has no DOM lib). */
interface WithStream {
  srcObject: { getVideoTracks(): { getSettings(): { deviceId?: string } }[] } | null;
}
interface WithValue {
  value: string;
}
interface WithSink {
  sinkId: string;
}
interface Constraints {
  audio?: { noiseSuppression?: boolean; echoCancellation?: boolean };
}

/** The camera the track in a tile's video comes from (the self view shows the sent camera). */
function cameraOf(page: Page, name: string): Promise<string | undefined> {
  return tile(page, name)
    .locator("video")
    .evaluate(
      (video) =>
        (video as unknown as WithStream).srcObject?.getVideoTracks()[0]?.getSettings().deviceId,
    );
}

describe("devices during a call", () => {
  let server: ServerProcess;
  let browser: Browser;
  const open: Participant[] = [];

  before(async () => {
    server = await startServerBesideBrowsers();
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      // Fake cameras to switch between (the flag's last value wins). Chromium's second fake
      // camera is a depth camera (Y16) that no encoder takes; the first and third give video.
      args: [...CHROMIUM_ARGS, "--use-fake-device-for-media-stream=device-count=3"],
    });
  });

  after(async () => {
    for (const p of open) {
      if (p.errors.length > 0) console.log(p.errors.join("\n"));
      await p.context.close().catch(() => {});
    }
    await browser?.close();
    await server?.stop();
  });

  test("switching the camera, the microphone's processing and the speaker keeps the others decoding", async () => {
    const alice = await newParticipant(browser);
    const bob = await newParticipant(browser);
    open.push(alice, bob);
    const link = await newMeetingLink(alice.page, server.url);
    await joinMeeting(alice.page, link, "Alice");
    await joinMeeting(bob.page, link, "Bob");
    await expectVideoFlowing(alice.page, "Bob");
    await expectVideoFlowing(bob.page, "Alice");
    // The join window (frames before the keys) is over: Alice's drop counts stand still.
    const before = await settledSframe(alice.page);
    assert.ok(before);

    await bob.page.getByRole("button", { name: "Devices" }).click();
    const panel = bob.page.getByRole("region", { name: "Camera and microphone" });
    const camera = panel.getByRole("combobox", { name: "Camera" });
    const cameras = await camera
      .locator("option")
      .evaluateAll((options) => options.map((o) => (o as unknown as WithValue).value));
    assert.equal(cameras.length, 3, "Chromium offers three fake cameras");
    assert.equal(await cameraOf(bob.page, "Bob (you)"), cameras[0]);
    const other = cameras[2];
    assert.ok(other);
    const framesBefore = await videoFrames(alice.page, "Bob");
    const switched = Date.now();
    await camera.selectOption(other);
    await waitFor("Bob's self view on the other camera", async () =>
      (await cameraOf(bob.page, "Bob (you)")) === other ? true : null,
    );
    await waitFor("Alice still decoding Bob after the switch", async () =>
      (await videoFrames(alice.page, "Bob")) > framesBefore + 40 ? true : null,
    );
    console.log(
      `Alice decodes Bob's new camera: 40 more frames ${Date.now() - switched} ms after the switch`,
    );

    // The microphone opens again without noise suppression and echo cancellation, and stays on.
    await bob.page.evaluate(() => {
      type GetUserMedia = (constraints: unknown) => Promise<unknown>;
      const media = (
        globalThis as unknown as { navigator: { mediaDevices: Record<string, GetUserMedia> } }
      ).navigator.mediaDevices;
      const original = media.getUserMedia?.bind(media) as GetUserMedia;
      const calls: unknown[] = [];
      (globalThis as unknown as { gumCalls: unknown[] }).gumCalls = calls;
      media.getUserMedia = (constraints) => {
        calls.push(constraints);
        return original(constraints);
      };
    });
    await panel.getByRole("checkbox", { name: "Noise suppression" }).uncheck();
    await panel.getByRole("checkbox", { name: "Echo cancellation" }).uncheck();
    const asked = await waitFor("the microphone opened again without processing", async () => {
      const calls = await bob.page.evaluate(
        () => (globalThis as unknown as { gumCalls: Constraints[] }).gumCalls,
      );
      const last = calls.at(-1)?.audio;
      return last && last.noiseSuppression === false && last.echoCancellation === false
        ? last
        : null;
    });
    assert.deepEqual(Object.keys(asked).sort(), [
      "autoGainControl",
      "deviceId",
      "echoCancellation",
      "noiseSuppression",
    ]);
    console.log(`Bob's microphone constraints: ${JSON.stringify(asked)}`);
    const micButton = bob.page.getByRole("button", { name: "Microphone", exact: true });
    await waitFor("Bob's microphone on again", async () =>
      (await micButton.getAttribute("aria-pressed")) === "true" ? true : null,
    );

    // Alice plays everyone on the second speaker.
    await alice.page.getByRole("button", { name: "Devices" }).click();
    const speaker = alice.page
      .getByRole("region", { name: "Camera and microphone" })
      .getByRole("combobox", { name: "Speaker" });
    const speakers = await speaker
      .locator("option")
      .evaluateAll((options) => options.map((o) => (o as unknown as WithValue).value));
    const chosen = speakers[speakers.length - 1];
    assert.ok(chosen && speakers.length > 1, "Chromium offers fake speakers");
    await speaker.selectOption(chosen);
    await waitFor("every audio element on the chosen speaker", async () => {
      const sinks = await alice.page
        .locator("audio")
        .evaluateAll((els) => els.map((el) => (el as unknown as WithSink).sinkId));
      return sinks.length > 0 && sinks.every((id) => id === chosen) ? true : null;
    });

    // Everything Alice received since the switch opened: no counter went back (a replay), no
    // failure of any kind, and decryption went on, over a window of frames after the last switch.
    const lastSwitch = await sframeTotals(alice.page);
    assert.ok(lastSwitch);
    const now = await decryptedMore(alice.page, lastSwitch, 100);
    assert.ok(now);
    assert.equal(now.dropped.replay ?? 0, 0, "the camera's SFrame counter did not restart");
    assert.equal(decryptFailures(now), decryptFailures(before), "no frame failed to open");
    assert.ok(now.decrypted > before.decrypted + 100);
    console.log(`Alice's SFrame totals after Bob's switches: ${JSON.stringify(now)}`);
    await expectVideoFlowing(alice.page, "Bob");
  });
});
