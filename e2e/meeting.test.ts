import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { after, afterEach, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Browser, Page } from "playwright-core";
import type { ServerProcess } from "../packages/server/test/start-server.ts";
import {
  DESKTOP,
  decryptedMore,
  expectVideoFlowing,
  decryptFailures as failures,
  joinMeeting,
  launchBrowser,
  newMeetingLink,
  newParticipant,
  type Participant,
  PHONE,
  settledSframe,
  startServerBesideBrowsers,
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

function createMeeting(p: Participant, url = server.url): Promise<string> {
  return newMeetingLink(p.page, url);
}

function e2eeStatus(page: Page): Promise<string | null> {
  return page.locator(".meeting").getAttribute("data-e2ee-status");
}

/** The text of the element named "Security code" (the Security panel must be open). */
async function securityCode(page: Page): Promise<string | null> {
  const text = await page.getByLabel("Security code").textContent();
  return text?.replace(/\s+/g, " ").trim() ?? null;
}

describe("meeting in Chromium", () => {
  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await startServerBesideBrowsers();
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
    await alice.page
      .locator("[aria-live=polite]")
      .getByText("Carol left")
      .waitFor({ state: "attached" });

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

  test("three browsers form one MLS group: equal security codes, a re-key on leave, encrypted chat, no decryption failures", async () => {
    const alice = await participant();
    const link = await createMeeting(alice);
    await alice.page.getByRole("textbox", { name: "Your name" }).fill("Alice");
    await alice.page.getByRole("button", { name: "Join", exact: true }).click();
    await waitFor(
      "Alice founds the group",
      async () => (await e2eeStatus(alice.page)) === "member",
    );
    const bob = await participant();
    const carol = await participant();
    await joinMeeting(bob.page, link, "Bob");
    await carol.page.goto(link);
    await carol.page.getByRole("textbox", { name: "Your name" }).fill("Carol");
    const clicked = Date.now();
    await carol.page.getByRole("button", { name: "Join", exact: true }).click();
    // Whatever the first moment shows (usually "Joining the encrypted group…"), for a look.
    await carol.page.getByRole("button", { name: "Leave", exact: true }).waitFor();
    await carol.page.screenshot({ path: `${SCREENSHOTS}meeting-joining-desktop.png` });
    await waitFor(
      "Carol's first decrypted frame from Alice",
      async () => (await videoFrames(carol.page, "Alice")) > 0,
    );
    console.log(
      `Carol: Join click to first decrypted+decoded frame from Alice ${Date.now() - clicked} ms`,
    );

    const everyone = [
      { name: "Alice", p: alice },
      { name: "Bob", p: bob },
      { name: "Carol", p: carol },
    ];
    for (const { p } of everyone) {
      await p.page.getByRole("button", { name: "Security" }).click();
    }
    const code = await waitFor("the same security code on all three pages", async () => {
      const codes = await Promise.all(everyone.map(({ p }) => securityCode(p.page)));
      return codes[0] && /^\d{5}( \d{5}){4}$/.test(codes[0]) && codes.every((c) => c === codes[0])
        ? codes[0]
        : false;
    });
    for (const viewer of everyone) {
      const roster = viewer.p.page.getByRole("complementary", { name: "Security" });
      // The panel says which MLS cipher suite the meeting runs (docs/e2ee.md "Post-quantum").
      await roster.getByText("MLS suite 1: X25519 key exchange").waitFor();
      for (const other of everyone) {
        const label = other === viewer ? `${other.name} (you)` : other.name;
        await roster.getByRole("rowheader", { name: label, exact: true }).waitFor();
      }
      for (const other of everyone) {
        if (other !== viewer) await expectVideoFlowing(viewer.p.page, other.name);
      }
    }
    await carol.page.screenshot({ path: `${SCREENSHOTS}meeting-security-desktop.png` });

    // Outside the join window no frame fails to open: nothing undecryptable reaches anyone.
    const settled = await Promise.all(everyone.map(({ p }) => settledSframe(p.page)));
    for (const [i, { name }] of everyone.entries()) {
      console.log(`${name} after joining: ${JSON.stringify(settled[i])}`);
    }
    for (const [i, { name, p }] of everyone.entries()) {
      const before = settled[i];
      const now = before && (await decryptedMore(p.page, before, 200));
      assert.ok(now && before, `${name} reports SFrame counts`);
      assert.equal(now.dropped.auth ?? 0, 0, `${name}: no authentication failure`);
      assert.equal(failures(now), failures(before), `${name}: no new dropped frame once joined`);
      assert.ok(now.decrypted > before.decrypted, `${name} keeps decrypting`);
      assert.ok(now.encrypted > before.encrypted, `${name} keeps encrypting`);
    }

    // Chat goes through MLS and shows as text, never as markup.
    await alice.page.getByRole("button", { name: "Chat" }).click();
    const message = alice.page.getByRole("textbox", { name: "Message" });
    await message.fill("hello <b>everyone</b>");
    await message.press("Enter");
    for (const { p } of [{ p: bob }, { p: carol }]) {
      await p.page.getByRole("button", { name: "Chat" }).click();
      const log = p.page.getByRole("list", { name: "Messages" });
      await log.getByText("hello <b>everyone</b>").waitFor();
      await log.getByText("Alice").waitFor();
      assert.equal(await log.locator("b").count(), 0, "chat text is never parsed as HTML");
    }
    await bob.page.screenshot({ path: `${SCREENSHOTS}meeting-chat-desktop.png` });

    // Carol leaves: the others commit her removal, get a new equal code and keep decoding.
    for (const { p } of [{ p: alice }, { p: bob }]) {
      await p.page.getByRole("button", { name: "Security" }).click();
    }
    const left = Date.now();
    await carol.page.getByRole("button", { name: "Leave", exact: true }).click();
    const next = await waitFor(
      "a new, equal security code on Alice's and Bob's pages",
      async () => {
        const [a, b] = await Promise.all([securityCode(alice.page), securityCode(bob.page)]);
        return a && a !== code && a === b ? a : false;
      },
      2000,
      25,
    );
    console.log(`security code changed on both pages ${Date.now() - left} ms after Carol left`);
    assert.notEqual(next, code);
    for (const p of [alice, bob]) {
      const roster = p.page.getByRole("complementary", { name: "Security" });
      await waitFor(
        "two members in the roster",
        async () => (await roster.getByRole("row").count()) === 3,
      );
    }
    await alice.page.screenshot({ path: `${SCREENSHOTS}meeting-security-after-leave-desktop.png` });
    const afterLeave = await Promise.all([alice, bob].map((p) => settledSframe(p.page)));
    console.log(
      `Alice and Bob once the re-key after Carol left settled: ${JSON.stringify(afterLeave)}`,
    );
    await expectVideoFlowing(alice.page, "Bob");
    await expectVideoFlowing(bob.page, "Alice");
    for (const [i, p] of [alice, bob].entries()) {
      const before = afterLeave[i];
      const now = before && (await decryptedMore(p.page, before, 150));
      assert.ok(now && before);
      assert.equal(now.dropped.auth ?? 0, 0, "no authentication failure after the re-key");
      assert.equal(failures(now), failures(before), "no new dropped frame after the grace window");
      assert.ok(now.decrypted > before.decrypted, "still decrypting after the re-key");
    }
    await bob.page.getByRole("button", { name: "Diagnostics" }).click();
    await bob.page.getByRole("heading", { name: "End-to-end encryption (SFrame)" }).waitFor();
    await bob.page.screenshot({ path: `${SCREENSHOTS}meeting-e2ee-diagnostics-desktop.png` });
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
    // With neither device usable, the button says how Gus joins (listen-only).
    await gus.page
      .getByRole("button", { name: "Join without camera and microphone", exact: true })
      .click();
    await tile(gus.page, "Gus (you)").locator(".avatar").waitFor();
    const camera = gus.page.getByRole("button", { name: "Camera", exact: true });
    assert.equal(await camera.getAttribute("aria-pressed"), "false");
    // Blocked, the button stays usable: it opens the help to unblock and try again.
    assert.equal(await camera.getAttribute("aria-haspopup"), "dialog");

    // Someone with a camera joins: Gus sees them, they see Gus's avatar.
    const hal = await participant();
    await joinMeeting(hal.page, link, "Hal");
    await expectVideoFlowing(gus.page, "Hal");
    await tile(hal.page, "Gus").locator(".avatar").waitFor();
  });

  test("a full meeting says so; when the server goes away the meeting retries with backoff and comes back", async () => {
    // A server of its own: room for two, and no drain wait when it stops.
    let small = await startServerBesideBrowsers({ MAX_PARTICIPANTS: "2", DRAIN_TIMEOUT_MS: "0" });
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
      await gina.page.locator(".banner", { hasText: /Connection lost\. Reconnecting…/ }).waitFor();
      await gina.page.getByText(/Retrying in \d+ s \(attempt [12]\)/).waitFor();
      // The next attempts fail too, and say so with a growing attempt count.
      await gina.page
        .getByText(/Can’t reach the server\. Retrying in \d+ s \(attempt [3-9]\)/)
        .waitFor({ timeout: 10_000 });
      await gina.page.screenshot({ path: `${SCREENSHOTS}meeting-unreachable-desktop.png` });

      // The server comes back on the same address: both rejoin on their own (Gina sooner, with
      // Retry now) and see each other again.
      small = await startServerBesideBrowsers({
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
