import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { after, afterEach, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { type ServerProcess, startServer } from "../packages/server/test/start-server.ts";
import {
  DESKTOP,
  expectVideoFlowing,
  joinMeeting,
  launchBrowser,
  newParticipant,
  type Participant,
  PHONE,
  tile,
  videoFrames,
  waitFor,
} from "./browser.ts";

// `npm run screenshots` refreshes the pictures in docs/; a plain test run keeps them out of git.
const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.UPDATE_SCREENSHOTS ? "../docs/screenshots/" : "../test-results/screenshots/",
    import.meta.url,
  ),
);
mkdirSync(SCREENSHOTS, { recursive: true });

let server: ServerProcess;
let browser: Browser;
/** Pages of the running test; closed after each test so no more than three run at once. */
let open: Participant[] = [];

async function participant(viewport: { width: number; height: number } = DESKTOP) {
  const p = await newParticipant(browser, viewport);
  open.push(p);
  return p;
}

async function createMeeting(p: Participant, url = server.url): Promise<string> {
  await p.page.goto(url);
  await p.page.getByRole("button", { name: "New meeting" }).click();
  await p.page.waitForURL(/\/m\/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{43}$/);
  return p.page.url();
}

describe("meeting in Chromium", () => {
  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await startServer();
    browser = await launchBrowser();
  });

  afterEach(async () => {
    const violations = open.flatMap((p) => p.errors.filter((e) => e.includes("CSP violation")));
    for (const p of open) {
      // Page errors (including CSP violations) are worth seeing even when the test passed.
      // (Refused WebSocket connections are expected while a test's server is down.)
      const errors = p.errors.filter((e) => !e.includes("ERR_CONNECTION_REFUSED"));
      if (errors.length > 0) console.log(errors.join("\n"));
      await p.context.close().catch(() => {});
    }
    open = [];
    assert.deepEqual(violations, [], "the app runs under the server's CSP without violations");
  });

  after(async () => {
    await browser?.close();
    const code = await server?.stop();
    assert.ok(code === 0 || code === null, `server exited with ${code}`);
  });

  test("three people decode each other's video, and a leaver's tile disappears within 2 s", async () => {
    const alice = await participant();
    await alice.page.goto(server.url);
    await alice.page.getByRole("button", { name: "New meeting" }).waitFor();
    await alice.page.screenshot({ path: `${SCREENSHOTS}landing-desktop.png` });
    const link = await createMeeting(alice);

    await alice.page.getByRole("textbox", { name: "Your name" }).fill("Alice");
    await waitFor("the camera preview", () =>
      alice.page
        .locator(".preview video")
        .evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth > 0),
    );
    await alice.page.screenshot({ path: `${SCREENSHOTS}prejoin-desktop.png` });
    await alice.page.getByRole("button", { name: "Join", exact: true }).click();
    await alice.page.getByRole("button", { name: "Leave", exact: true }).waitFor();

    const bob = await participant();
    const carol = await participant();
    await joinMeeting(bob.page, link, "Bob");
    // Time from Carol's Join click to her first decoded frame from Alice.
    await carol.page.goto(link);
    await carol.page.getByRole("textbox", { name: "Your name" }).fill("Carol");
    const clicked = Date.now();
    await carol.page.getByRole("button", { name: "Join", exact: true }).click();
    await waitFor(
      "Carol's first frame from Alice",
      async () => (await videoFrames(carol.page, "Alice")) > 0,
    );
    console.log(`Carol's first frame from Alice ${Date.now() - clicked} ms after clicking Join`);

    const everyone = [
      { name: "Alice", p: alice },
      { name: "Bob", p: bob },
      { name: "Carol", p: carol },
    ];
    const started = Date.now();
    for (const viewer of everyone) {
      await tile(viewer.p.page, `${viewer.name} (you)`).waitFor();
      for (const other of everyone) {
        if (other === viewer) continue;
        const { first, later } = await expectVideoFlowing(viewer.p.page, other.name);
        console.log(`${viewer.name} decodes ${other.name}: ${first} → ${later} frames`);
      }
    }
    console.log(`all six remote videos flowing ${Date.now() - started} ms after the third join`);

    await alice.page.screenshot({ path: `${SCREENSHOTS}meeting-desktop.png` });
    await alice.page.getByRole("button", { name: "Copy link" }).click();
    const copied = await alice.page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    assert.equal(copied, link, "Copy link copies the whole link, fragment included");

    // The encoded-transform hook sees every frame both ways, and stats are per participant.
    await bob.page.getByRole("button", { name: "Diagnostics" }).click();
    const diagnostics = bob.page.getByRole("complementary", { name: "Diagnostics" });
    for (const row of ["Sent audio", "Sent video", "Received audio", "Received video"]) {
      await waitFor(`${row} frames counted by the media worker`, async () => {
        const cell = diagnostics.getByRole("row").filter({ hasText: row }).locator("td").first();
        return Number(await cell.textContent()) > 0;
      });
    }
    await waitFor("per-participant decode stats and worker frame counts for Alice", async () => {
      const cells = diagnostics.getByRole("row").filter({ hasText: "Alice video" }).locator("td");
      const [kbps, decoded, worker] = await Promise.all(
        [0, 1, 4].map(async (i) => Number(await cells.nth(i).textContent())),
      );
      return (kbps ?? 0) > 0 && (decoded ?? 0) > 0 && (worker ?? 0) > 0;
    });
    await bob.page.screenshot({ path: `${SCREENSHOTS}meeting-diagnostics-desktop.png` });
    await bob.page.getByRole("button", { name: "Diagnostics" }).click();

    // Bob mutes and turns his camera off: the others see the mute icon and his initial.
    await bob.page.getByRole("button", { name: "Microphone", exact: true }).click();
    await bob.page.getByRole("button", { name: "Camera", exact: true }).click();
    for (const viewer of [alice, carol]) {
      await tile(viewer.page, "Bob").getByText("Microphone off").waitFor({ state: "attached" });
      await tile(viewer.page, "Bob").locator(".avatar").waitFor();
    }
    await alice.page.screenshot({ path: `${SCREENSHOTS}meeting-camera-off-desktop.png` });
    await bob.page.getByRole("button", { name: "Camera", exact: true }).click();
    await bob.page.getByRole("button", { name: "Microphone", exact: true }).click();
    await tile(alice.page, "Bob").locator(".avatar").waitFor({ state: "detached" });
    await expectVideoFlowing(alice.page, "Bob");
    await alice.page.setViewportSize(PHONE);
    await alice.page.screenshot({ path: `${SCREENSHOTS}meeting-phone.png` });
    await alice.page.getByRole("button", { name: "Devices" }).click();
    const panel = alice.page.getByRole("region", { name: "Camera and microphone" });
    await panel.getByRole("combobox", { name: "Camera" }).waitFor();
    await alice.page.screenshot({ path: `${SCREENSHOTS}meeting-devices-phone.png` });
    await panel.getByRole("combobox", { name: "Microphone" }).press("Escape");
    await panel.waitFor({ state: "detached" });
    await alice.page.setViewportSize(DESKTOP);

    const left = Date.now();
    await carol.page.getByRole("button", { name: "Leave", exact: true }).click();
    await Promise.all(
      [alice, bob].map((p) => tile(p.page, "Carol").waitFor({ state: "detached", timeout: 2000 })),
    );
    console.log(
      `Carol's tile gone from Alice's and Bob's pages ${Date.now() - left} ms after Leave`,
    );
    await carol.page.getByRole("heading", { name: "You left the meeting" }).waitFor();
    assert.equal(await tile(alice.page, "Bob").count(), 1);
    await alice.page.getByText("2 people").waitFor();
    await alice.page.getByText("Carol left").waitFor({ state: "attached" });

    // Rejoin brings Carol back with working media.
    await carol.page.getByRole("button", { name: "Rejoin" }).click();
    await expectVideoFlowing(alice.page, "Carol");
    await expectVideoFlowing(carol.page, "Bob");

    // Whoever left with the microphone muted comes back muted.
    await bob.page.getByRole("button", { name: "Microphone", exact: true }).click();
    await bob.page.getByRole("button", { name: "Leave", exact: true }).click();
    await bob.page.getByRole("button", { name: "Rejoin" }).click();
    const bobMic = bob.page.getByRole("button", { name: "Microphone", exact: true });
    await waitFor("Bob back, still muted", async () => {
      return (
        (await bobMic.getAttribute("aria-pressed")) === "false" && !(await bobMic.isDisabled())
      );
    });
    await tile(alice.page, "Bob").getByText("Microphone off").waitFor({ state: "attached" });
    await expectVideoFlowing(alice.page, "Bob");
  });

  test("the Camera toggle turns the camera off and on, with aria-pressed", async () => {
    const dana = await participant(PHONE);
    const link = await createMeeting(dana);
    await dana.page.getByRole("textbox", { name: "Your name" }).fill("Dana");
    await waitFor("the camera preview", () =>
      dana.page
        .locator(".preview video")
        .evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth > 0),
    );
    await dana.page.screenshot({ path: `${SCREENSHOTS}prejoin-phone.png` });
    await joinMeeting(dana.page, link, "Dana");
    const camera = dana.page.getByRole("button", { name: "Camera", exact: true });
    await waitFor("camera on", async () => (await camera.getAttribute("aria-pressed")) === "true");
    await camera.click();
    await waitFor(
      "camera off",
      async () => (await camera.getAttribute("aria-pressed")) === "false",
    );
    const live = await tile(dana.page, "Dana (you)")
      .locator("video")
      .evaluate((v) => (v as unknown as { srcObject: unknown }).srcObject);
    assert.equal(live, null, "the self view has no camera stream while the camera is off");
    await camera.click();
    await waitFor(
      "camera on again",
      async () => (await camera.getAttribute("aria-pressed")) === "true",
    );
    const mic = dana.page.getByRole("button", { name: "Microphone", exact: true });
    assert.equal(await mic.getAttribute("aria-pressed"), "true");
    await mic.click();
    assert.equal(await mic.getAttribute("aria-pressed"), "false");
  });

  test("a link whose fragment was altered says the link is incomplete", async () => {
    const eve = await participant();
    const link = await createMeeting(eve);
    // One character changed inside the secret: still well-formed, but derives another room id.
    const at = link.indexOf("#") + 5;
    const altered = `${link.slice(0, at)}${link[at] === "A" ? "B" : "A"}${link.slice(at + 1)}`;
    await eve.page.goto(altered);
    await eve.page.getByRole("heading", { name: "This meeting link is incomplete" }).waitFor();
    assert.equal(await eve.page.getByRole("button", { name: "Join", exact: true }).count(), 0);
    await eve.page.goto(link.slice(0, link.indexOf("#")));
    await eve.page.getByRole("heading", { name: "This meeting link is incomplete" }).waitFor();
  });

  test("a browser without RTCRtpScriptTransform is told why and cannot join", async () => {
    const old = await participant();
    const link = await createMeeting(old);
    await old.page.addInitScript(() => {
      Reflect.deleteProperty(globalThis, "RTCRtpScriptTransform");
    });
    await old.page.goto("about:blank");
    await old.page.goto(link);
    await old.page
      .getByText("This browser can't run Conclave's end-to-end encryption; use a current Chrome")
      .waitFor();
    assert.equal(await old.page.getByRole("button", { name: "Join", exact: true }).count(), 0);
  });

  test("with camera and microphone blocked, prejoin says how to allow them and joining still works", async () => {
    const gus = await participant();
    await gus.page.addInitScript(() => {
      const md = (globalThis as unknown as { navigator: { mediaDevices: Record<string, unknown> } })
        .navigator.mediaDevices;
      md.getUserMedia = () => Promise.reject(new DOMException("blocked", "NotAllowedError"));
    });
    const link = await createMeeting(gus);
    await gus.page.getByText("Your browser blocked the camera and microphone.").waitFor();
    await gus.page.getByRole("textbox", { name: "Your name" }).fill("Gus");
    await gus.page.screenshot({ path: `${SCREENSHOTS}prejoin-blocked-desktop.png` });
    await gus.page.getByRole("button", { name: "Join", exact: true }).click();
    await tile(gus.page, "Gus (you)").locator(".avatar").waitFor();
    const camera = gus.page.getByRole("button", { name: "Camera", exact: true });
    assert.equal(await camera.getAttribute("aria-pressed"), "false");
    assert.ok(await camera.isDisabled());

    // Someone with a camera joins: Gus sees them, they see Gus's avatar.
    const hal = await participant();
    await joinMeeting(hal.page, link, "Hal");
    await expectVideoFlowing(gus.page, "Hal");
    await tile(hal.page, "Gus").locator(".avatar").waitFor();
  });

  test("a full meeting says so; when the server goes away the meeting retries with backoff and comes back", async () => {
    // A server of its own: room for two, and no drain wait when it stops.
    let small = await startServer({ MAX_PARTICIPANTS: "2", DRAIN_TIMEOUT_MS: "0" });
    try {
      const gina = await participant();
      const link = await createMeeting(gina, small.url);
      await joinMeeting(gina.page, link, "Gina");
      const hank = await participant();
      await joinMeeting(hank.page, link, "Hank");
      const ivy = await participant(PHONE);
      await ivy.page.goto(link);
      await ivy.page.getByRole("textbox", { name: "Your name" }).fill("Ivy");
      await ivy.page.getByRole("button", { name: "Join", exact: true }).click();
      await ivy.page.getByText("This meeting is full.").waitFor();
      await ivy.page.screenshot({ path: `${SCREENSHOTS}meeting-full-phone.png` });
      await ivy.context.close();

      await small.stop();
      await gina.page.getByText("Lost the connection to the server.").waitFor();
      await gina.page.getByText(/Retrying in \d+ s \(attempt [12]\)/).waitFor();
      // The next attempts fail too, and say so with a growing attempt count.
      await gina.page
        .getByText(/Can’t reach the server\. Retrying in \d+ s \(attempt [3-9]\)/)
        .waitFor({ timeout: 10_000 });
      await gina.page.screenshot({ path: `${SCREENSHOTS}meeting-unreachable-desktop.png` });

      // The server comes back on the same address: both rejoin on their own (Gina sooner, with
      // Retry now) and see each other again.
      small = await startServer({
        PORT: String(small.port),
        MAX_PARTICIPANTS: "2",
        DRAIN_TIMEOUT_MS: "0",
      });
      // (Her own timer may win the race and take the button away: that is fine too.)
      await gina.page
        .getByRole("button", { name: "Retry now" })
        .click({ timeout: 2000 })
        .catch(() => {});
      await expectVideoFlowing(gina.page, "Hank", 30_000);
      await expectVideoFlowing(hank.page, "Gina", 30_000);
      await gina.page.getByText("2 people").waitFor();
    } finally {
      await small.stop();
    }
  });
});
