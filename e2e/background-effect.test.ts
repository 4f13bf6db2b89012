/**
 * Background blur and replacement on the device, before encryption: with the fake camera showing
 * a drawn person over a striped wall (e2e/drawn-person-video.ts), the frames another participant
 * decrypts lose the wall's stripes when the sender turns blur on (or replaces the wall with a
 * built-in picture) and keep the face's detail; a
 * device too slow for the effect (forced by a lower frame budget, the real timing path) sends the
 * plain camera again and says why in the Devices panel; axe finds nothing serious there.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import { expectAccessible } from "./axe.ts";
import {
  CHROMIUM_ARGS,
  expectVideoFlowing,
  inGroup,
  joinMeeting,
  newMeetingLink,
  newParticipant,
  type Participant,
  startServerBesideBrowsers,
  tile,
  waitFor,
} from "./browser.ts";
import { writeDrawnPersonVideo } from "./drawn-person-video.ts";

// `npm run screenshots` refreshes the pictures in docs/; a plain test run keeps them out of git.
const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.UPDATE_SCREENSHOTS ? "../docs/screenshots/" : "../test-results/screenshots/",
    import.meta.url,
  ),
);
mkdirSync(SCREENSHOTS, { recursive: true });

/** The key of effects/effect-timing.ts that lowers the frame budget. */
const BUDGET_OVERRIDE_KEY = "conclave.effects.frameBudgetMs";

/** A part of the frame, in fractions of its width and height. */
interface Region {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}
/** The wall beside the figure's head, left and right (the figure sways within 100-540 of 640). */
const WALL: readonly Region[] = [
  { x0: 0.02, x1: 0.13, y0: 0.05, y1: 0.6 },
  { x0: 0.87, x1: 0.98, y0: 0.05, y1: 0.6 },
];
/** The brows and eyes, wherever the sway puts them. */
const FACE: readonly Region[] = [{ x0: 0.39, x1: 0.61, y0: 0.35, y1: 0.43 }];

/**
 * Edge energy the plain camera's striped wall stays above (a blank first frame gives 0): waits for
 * the picture, and checks it reached the other end unblurred.
 */
const STRIPED_WALL = 2;

/** The video of `name`'s tile on `page`: what that page decrypted. */
const seen = (page: Page, name: string) => tile(page, name).locator("video");

/**
 * The mean luminance step between horizontal neighbours in `regions` of a video element's
 * picture: high on the wall's sharp stripes, near zero once they are blurred.
 */
function edgeEnergy(video: Locator, regions: readonly Region[]): Promise<number> {
  return video.evaluate((element, regions) => {
    const video = element as unknown as { videoWidth: number; videoHeight: number };
    const w = video.videoWidth;
    const h = video.videoHeight;
    const scope = globalThis as unknown as {
      OffscreenCanvas: new (w: number, h: number) => { getContext(kind: "2d"): unknown };
    };
    const context = new scope.OffscreenCanvas(w, h).getContext("2d") as {
      drawImage(image: unknown, x: number, y: number): void;
      getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
    };
    context.drawImage(element, 0, 0);
    const data = context.getImageData(0, 0, w, h).data;
    // No named inner functions: tsx would wrap them in a helper the page does not have.
    const luma = new Float32Array(w * h);
    for (let i = 0; i < w * h; i++) {
      const r = data[i * 4] ?? 0;
      luma[i] = 0.299 * r + 0.587 * (data[i * 4 + 1] ?? 0) + 0.114 * (data[i * 4 + 2] ?? 0);
    }
    let sum = 0;
    let count = 0;
    for (const r of regions) {
      for (let y = Math.floor(r.y0 * h); y < r.y1 * h; y++) {
        for (let x = Math.floor(r.x0 * w); x < r.x1 * w - 1; x++) {
          sum += Math.abs((luma[y * w + x + 1] ?? 0) - (luma[y * w + x] ?? 0));
          count++;
        }
      }
    }
    if (w === 0 || count === 0) throw new Error("no video frame yet");
    return sum / count;
  }, regions);
}

/** Opens the Devices panel (if closed) and picks a background. */
async function chooseBackground(page: Page, label: string): Promise<void> {
  const panel = page.locator("#device-panel");
  if (!(await panel.isVisible())) await page.getByRole("button", { name: "Devices" }).click();
  await panel.getByRole("radio", { name: label }).check();
}

/** Sets the frame budget the effect's switch-off allows (effects/effect-timing.ts). */
function setFrameBudget(page: Page, ms: string): Promise<void> {
  return page.evaluate(
    ({ key, ms }) =>
      (
        globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }
      ).localStorage.setItem(key, ms),
    { key: BUDGET_OVERRIDE_KEY, ms },
  );
}

function effectStatus(page: Page): Promise<string | null> {
  return page.locator("[data-effect-status]").first().getAttribute("data-effect-status");
}

describe("background effect", () => {
  let server: ServerProcess;
  let browser: Browser;
  let folder: string;
  const open: Participant[] = [];

  before(async () => {
    folder = mkdtempSync(join(tmpdir(), "conclave-drawn-person-"));
    const video = join(folder, "drawn-person.y4m");
    await writeDrawnPersonVideo(video);
    server = await startServerBesideBrowsers();
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: [...CHROMIUM_ARGS, `--use-file-for-fake-video-capture=${video}`],
    });
  });

  after(async () => {
    // The model's WebAssembly needs 'wasm-unsafe-eval' and nothing more from the server's CSP.
    const violations = open.flatMap((p) => p.errors.filter((e) => e.includes("CSP violation")));
    for (const p of open) {
      const errors = p.errors.filter((e) => !e.includes("ERR_CONNECTION_REFUSED"));
      if (errors.length > 0) console.log(errors.join("\n"));
      await p.context.close().catch(() => {});
    }
    await browser?.close();
    await server?.stop();
    rmSync(folder, { recursive: true, force: true });
    assert.deepEqual(violations, [], "the effects run under the server's CSP without violations");
  });

  test("blur reaches the others encrypted: the wall loses its stripes, the face keeps its detail; too slow a device sends the plain camera and says why", async () => {
    const alice = await newParticipant(browser);
    const bob = await newParticipant(browser);
    open.push(alice, bob);
    const link = await newMeetingLink(alice.page, server.url);
    await joinMeeting(alice.page, link, "Alice");
    await inGroup(alice.page, "Alice");
    await joinMeeting(bob.page, link, "Bob");
    await inGroup(bob.page, "Bob");
    await expectVideoFlowing(bob.page, "Alice");

    const wallOff = await edgeEnergy(seen(bob.page, "Alice"), WALL);
    const faceOff = await edgeEnergy(seen(bob.page, "Alice"), FACE);
    // The check can fail: the plain camera's stripes are sharp at Bob's end.
    assert.ok(
      wallOff > STRIPED_WALL,
      `the wall's stripes reach Bob unblurred (edge energy ${wallOff})`,
    );

    // The machine running the tests is shared and often loaded far past its two cores, where the
    // app would rightly find it too slow (docs/on-device-effects.md has the unloaded figures):
    // a generous budget keeps the effect on here; the switch-off is checked below.
    await setFrameBudget(alice.page, "1000");
    await chooseBackground(alice.page, "Blur background");
    await waitFor("the effect running", async () => (await effectStatus(alice.page)) === "on");
    const wallOn = await waitFor(
      `the wall blurred at Bob's end (off: ${wallOff})`,
      async () => {
        const e = await edgeEnergy(seen(bob.page, "Alice"), WALL);
        return e < wallOff / 4 ? e : false;
      },
      20_000,
    );
    const faceOn = await edgeEnergy(seen(bob.page, "Alice"), FACE);
    assert.ok(
      faceOn > faceOff / 2,
      `the face keeps its detail (edge energy ${faceOn}, unblurred ${faceOff})`,
    );
    // The panel tells the time the effect took per frame here (the median of its first frames).
    const cost = await waitFor("the effect's cost in the panel", async () =>
      /\(([\d.]+) ms a frame here\)/.exec(
        (await alice.page.locator("[data-effect-status]").first().textContent()) ?? "",
      ),
    );
    console.log(JSON.stringify({ wallOff, wallOn, faceOff, faceOn, frameMs: Number(cost[1]) }));

    await expectAccessible(alice.page, "the Devices panel with blur on");
    await alice.page.screenshot({ path: `${SCREENSHOTS}blur-desktop.png` });
    await alice.page.getByRole("button", { name: "Done" }).click();
    await alice.page.setViewportSize({ width: 390, height: 844 });
    await alice.page.screenshot({ path: `${SCREENSHOTS}blur-phone.png` });
    await alice.page.setViewportSize({ width: 1280, height: 800 });

    // A built-in picture instead of the wall (smooth hills: no stripes either).
    await chooseBackground(alice.page, "Hills at dawn");
    await waitFor("the picture in place", async () => (await effectStatus(alice.page)) === "on");
    await waitFor(
      `the wall replaced at Bob's end (off: ${wallOff})`,
      async () => (await edgeEnergy(seen(bob.page, "Alice"), WALL)) < wallOff / 4,
      20_000,
    );

    // A device too slow for the effect: the budget is lowered below what any device can do, and
    // the app's own timing of the first frames turns the effect off.
    await setFrameBudget(alice.page, "0.001");
    await chooseBackground(alice.page, "No effect");
    await chooseBackground(alice.page, "Blur background");
    await waitFor(
      "the effect switched off",
      async () => (await effectStatus(alice.page)) === "too-slow",
    );
    const panel = alice.page.locator("#device-panel");
    await panel.getByText(/turned off: this device took .* ms per frame/).waitFor();
    assert.ok(await panel.getByRole("radio", { name: "No effect" }).isChecked());
    await waitFor(
      `the plain camera at Bob's end again (unblurred: ${wallOff})`,
      async () => (await edgeEnergy(seen(bob.page, "Alice"), WALL)) > wallOff / 2,
      20_000,
    );
    await expectAccessible(alice.page, "the Devices panel after the effect switched off");
  });

  test("the choice made before joining is remembered for the next visit", async () => {
    const carol = await newParticipant(browser, { width: 390, height: 844 });
    open.push(carol);
    const link = await newMeetingLink(carol.page, server.url);
    await carol.page.goto(link);
    await setFrameBudget(carol.page, "1000");
    await carol.page.getByRole("radio", { name: "Blur background" }).check();
    await waitFor(
      "the effect running before joining",
      async () => (await effectStatus(carol.page)) === "on",
    );
    await carol.page.reload();
    assert.ok(await carol.page.getByRole("radio", { name: "Blur background" }).isChecked());
    await waitFor(
      "the remembered effect running again",
      async () => (await effectStatus(carol.page)) === "on",
    );
    await carol.page.screenshot({ path: `${SCREENSHOTS}blur-prejoin-phone.png`, fullPage: true });
  });

  test("a browser without canvas filters still blurs the background (more coarsely)", async () => {
    const dave = await newParticipant(browser);
    open.push(dave);
    // As in a browser that has no canvas `filter` (older Safari).
    await dave.context.addInitScript(() => {
      const scope = globalThis as unknown as Record<string, { prototype: object } | undefined>;
      for (const name of ["CanvasRenderingContext2D", "OffscreenCanvasRenderingContext2D"]) {
        const prototype = scope[name]?.prototype;
        if (prototype) Reflect.deleteProperty(prototype, "filter");
      }
    });
    const link = await newMeetingLink(dave.page, server.url);
    await dave.page.goto(link);
    const preview = dave.page.getByRole("region", { name: "Camera preview" }).locator("video");
    // The preview's first frame can be blank; the stripes show once the camera's frames come.
    const sharp = await waitFor("the striped wall in the preview", async () => {
      const e = await edgeEnergy(preview, WALL);
      return e > STRIPED_WALL ? e : false;
    });
    await setFrameBudget(dave.page, "1000");
    await dave.page.getByRole("radio", { name: "Blur background" }).check();
    await waitFor("the effect running", async () => (await effectStatus(dave.page)) === "on");
    await waitFor(
      `the wall blurred in the preview (sharp: ${sharp})`,
      async () => (await edgeEnergy(preview, WALL)) < sharp / 4,
    );
  });
});
