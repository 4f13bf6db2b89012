import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
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
  waitFor,
} from "./browser.ts";

const SCREENSHOTS = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));

let server: ServerProcess;
let browser: Browser;
const participants: Participant[] = [];

async function participant(viewport: { width: number; height: number } = DESKTOP) {
  const p = await newParticipant(browser, viewport);
  participants.push(p);
  return p;
}

async function createMeeting(p: Participant): Promise<string> {
  await p.page.goto(server.url);
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

  after(async () => {
    for (const p of participants) await p.context.close().catch(() => {});
    await browser?.close();
    const code = await server?.stop();
    if (process.exitCode) {
      for (const p of participants) if (p.errors.length) console.log(p.errors.join("\n"));
    }
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
    await joinMeeting(carol.page, link, "Carol");

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
    await alice.page.setViewportSize(PHONE);
    await alice.page.screenshot({ path: `${SCREENSHOTS}meeting-phone.png` });
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
  });

  test("the Camera toggle turns the camera off and on, with aria-pressed", async () => {
    const dana = await participant(PHONE);
    const link = await createMeeting(dana);
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
});
