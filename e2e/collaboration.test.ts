import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { afterEach, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import {
  browserSuite,
  DESKTOP,
  expectVideoFlowing,
  joinMeeting,
  newMeetingLink,
  type Participant,
  PHONE,
  tile,
  waitFor,
} from "./browser.ts";

// Chat, raised hands, reactions and recording: all MLS application messages (docs/e2ee.md).
const RESULTS = fileURLToPath(new URL("../test-results/collaboration/", import.meta.url));
mkdirSync(RESULTS, { recursive: true });

const suite = browserSuite();
/** Any alert(), confirm() or prompt() a page opened: none may, ever. */
let dialogs: string[] = [];

async function participant(
  viewport: { width: number; height: number } = DESKTOP,
): Promise<Participant> {
  const p = await suite.participant(viewport);
  p.page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return p;
}

/** Alice, Bob and Carol in one meeting, each in the encrypted group and named on the others' tiles. */
async function threePeople(): Promise<{ alice: Page; bob: Page; carol: Page }> {
  const [a, b, c] = [await participant(), await participant(), await participant()];
  const link = await newMeetingLink(a.page, suite.server.url);
  await joinMeeting(a.page, link, "Alice");
  await joinMeeting(b.page, link, "Bob");
  await joinMeeting(c.page, link, "Carol");
  const pages = { Alice: a.page, Bob: b.page, Carol: c.page };
  for (const [name, page] of Object.entries(pages)) {
    for (const other of Object.keys(pages)) {
      if (other !== name) await tile(page, other).waitFor({ timeout: 30_000 });
    }
  }
  return { alice: a.page, bob: b.page, carol: c.page };
}

async function openChat(page: Page) {
  await page.getByRole("button", { name: "Chat", exact: true }).click();
  return page.getByRole("list", { name: "Messages" });
}

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
}

interface LogElement {
  textContent: string | null;
}
interface PageGlobals {
  document: {
    querySelector(selector: string): LogElement | null;
    addEventListener(type: string, listener: (e: { key: string }) => void, capture: boolean): void;
  };
  MutationObserver: new (
    callback: () => void,
  ) => { observe(target: LogElement, options: object): void; disconnect(): void };
}

/** Resolves with Date.now() in the page when the chat log first shows `text`. */
function arrival(page: Page, text: string): Promise<number> {
  return page.evaluate((wanted) => {
    const g = globalThis as unknown as PageGlobals;
    const log = g.document.querySelector('[aria-label="Messages"]');
    return new Promise<number>((resolve, reject) => {
      if (log === null) return reject(new Error("no chat log"));
      const observer = new g.MutationObserver(() => {
        if (!log.textContent?.includes(wanted)) return;
        observer.disconnect();
        resolve(Date.now());
      });
      observer.observe(log, { childList: true, subtree: true, characterData: true });
    });
  }, text);
}

/** Resolves with Date.now() in the page at the next Enter key press. */
function enterPressed(page: Page): Promise<number> {
  return page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    return new Promise<number>((resolve) => {
      g.document.addEventListener(
        "keydown",
        (e) => {
          if (e.key === "Enter") resolve(Date.now());
        },
        true,
      );
    });
  });
}

async function handQueue(page: Page): Promise<string[]> {
  const list = page.getByRole("list", { name: "Raised hands" });
  if ((await list.count()) === 0) return [];
  return list.getByRole("listitem").allTextContents();
}

describe("collaboration in Chromium", () => {
  afterEach(() => {
    const seen = dialogs;
    dialogs = [];
    assert.deepEqual(seen, [], "no page ever opened a dialog (no script ran from a message)");
  });

  test("chat reaches the others in under 1 s, as inert text with only http(s) links, no referrer", async () => {
    const { alice, bob, carol } = await threePeople();
    const aliceLog = await openChat(alice);
    const logs = [await openChat(bob), await openChat(carol)];

    // Warm up (the first message waits for nothing, but the panels may still be rendering).
    await send(alice, "warming up");
    for (const log of logs) await log.getByText("warming up").waitFor();

    // From Alice's Enter to the text in Bob's and Carol's logs, timed in the pages (one machine,
    // one clock): sealing, the server's relay, opening and rendering, without the test's polling.
    const latencies: number[] = [];
    const box = alice.getByRole("textbox", { name: "Message" });
    for (let i = 1; i <= 5; i++) {
      const text = `latency probe ${i}`;
      await box.fill(text);
      const arrivals = [bob, carol].map((page) => arrival(page, text));
      const pressed = enterPressed(alice);
      await box.press("Enter");
      const sent = await pressed;
      for (const at of await Promise.all(arrivals)) latencies.push(at - sent);
    }
    console.log(`chat latency Alice → Bob and Carol (ms): ${latencies.join(", ")}`);
    assert.ok(Math.max(...latencies) < 1000, `every message arrived within 1 s: ${latencies}`);

    const markup = "<img src=x onerror=alert(1)>";
    await send(bob, markup);
    await send(bob, "javascript:alert(1)");
    await send(bob, "docs at https://example.org/guide?x=1 (and http://example.net).");
    await aliceLog.getByText("http://example.net").waitFor();
    await aliceLog.getByText(markup, { exact: true }).waitFor();
    await aliceLog.getByText("javascript:alert(1)", { exact: true }).waitFor();
    for (const page of [alice, carol]) {
      const log = page.getByRole("list", { name: "Messages" });
      await log.getByText("http://example.net").waitFor();
      assert.equal(await log.locator("img").count(), 0, "markup is never parsed");
      assert.equal(await page.locator("img[src=x]").count(), 0);
      assert.equal(await page.locator('a[href^="javascript:" i]').count(), 0);
      const links = log.getByRole("link");
      assert.deepEqual(await links.allTextContents(), [
        "https://example.org/guide?x=1",
        "http://example.net",
      ]);
      for (const link of await links.all()) {
        assert.match((await link.getAttribute("href")) ?? "", /^https?:\/\//);
        const rel = ((await link.getAttribute("rel")) ?? "").split(/\s+/);
        assert.ok(rel.includes("noreferrer") && rel.includes("noopener"), `rel ${rel}`);
        assert.equal(await link.getAttribute("target"), "_blank");
        assert.equal(await link.getAttribute("referrerpolicy"), "no-referrer");
      }
    }

    // Shift+Enter is a new line inside one message; Enter sends it.
    const carolBox = carol.getByRole("textbox", { name: "Message" });
    await carolBox.fill("first line");
    await carolBox.press("Shift+Enter");
    await carolBox.pressSequentially("second line");
    await carolBox.press("Enter");
    await aliceLog.getByText("first line\nsecond line").waitFor();
    assert.equal(await aliceLog.getByText("first line").count(), 1, "one message, two lines");

    // With the chat closed, new messages count as unread on the Chat button.
    await bob.getByRole("button", { name: "Close" }).click();
    await send(alice, "are you there?");
    await send(alice, "hello?");
    const chatButton = bob.getByRole("button", { name: "Chat", exact: true });
    await waitFor("2 unread on Bob's Chat button", async () => {
      return (await chatButton.locator(".badge").textContent()) === "2";
    });
    assert.equal(await bob.locator("#chat-unread").textContent(), "2 unread messages");
    await chatButton.click();
    await bob.getByRole("list", { name: "Messages" }).getByText("hello?").waitFor();
    await chatButton.locator(".badge").waitFor({ state: "detached" }); // read once it is open

    // Save chat: a .txt of the meeting's chat, made on this device.
    const [download] = await Promise.all([
      bob.waitForEvent("download"),
      bob.getByRole("link", { name: "Save chat" }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^conclave-chat-\d{4}-\d\d-\d\d-\d{4}\.txt$/);
    const path = `${RESULTS}${download.suggestedFilename()}`;
    await download.saveAs(path);
    const transcript = readFileSync(path, "utf8");
    assert.match(transcript, /\] Alice: latency probe 3\n/);
    assert.match(transcript, /\] You: <img src=x onerror=alert\(1\)>\n/);
    assert.match(transcript, /\] Carol: first line\n {4}second line\n/);
  });

  test("raised hands show on tiles and in one queue in raise order, for everyone; lowering removes them", async () => {
    const { alice, bob, carol } = await threePeople();
    await bob.getByRole("button", { name: "Raise hand" }).click();
    await bob.getByRole("button", { name: "Lower hand" }).waitFor();
    await tile(alice, "Bob").getByText("raised").waitFor();
    await carol.getByRole("button", { name: "Raise hand" }).click();
    for (const page of [alice, bob]) await tile(page, "Carol").getByText("raised").waitFor();
    await tile(carol, "Bob").getByText("raised").waitFor();
    assert.deepEqual(await handQueue(alice), ["Bob", "Carol"]);
    assert.deepEqual(await handQueue(bob), ["You", "Carol"]);
    assert.deepEqual(await handQueue(carol), ["Bob", "You"]);
    await tile(bob, "Bob (you)").getByText("raised").waitFor();
    assert.equal(await tile(alice, "Alice (you)").getByText("raised").count(), 0);
    await alice.getByText("Carol raised their hand").waitFor({ state: "attached" });

    // The chat panel open beside a raised hand, at desktop width and on a phone.
    await alice.getByRole("button", { name: "Chat", exact: true }).click();
    await send(alice, "Bob first, then Carol: see https://example.org/agenda");
    await alice.getByRole("list", { name: "Messages" }).getByRole("link").waitFor();
    await alice.screenshot({ path: `${RESULTS}meeting-chat-hands-desktop.png` });
    await alice.setViewportSize(PHONE);
    await alice.screenshot({ path: `${RESULTS}meeting-chat-hands-phone.png` });
    await alice.getByRole("button", { name: "Close" }).click();
    await alice.screenshot({ path: `${RESULTS}meeting-hands-phone.png` });
    await alice.setViewportSize(DESKTOP);

    await bob.getByRole("button", { name: "Lower hand" }).click();
    for (const page of [alice, carol]) {
      await tile(page, "Bob").getByText("raised").waitFor({ state: "detached" });
    }
    await waitFor("only Carol in Alice's queue", async () => {
      return JSON.stringify(await handQueue(alice)) === '["Carol"]';
    });
    assert.deepEqual(await handQueue(bob), ["Carol"]);

    // Keyboard: H raises and lowers a hand, but never while typing a message.
    await alice.locator("body").press("h");
    await tile(bob, "Alice").getByText("raised").waitFor();
    await waitFor("Alice after Carol", async () => {
      return JSON.stringify(await handQueue(bob)) === '["Carol","Alice"]';
    });
    await alice.getByRole("button", { name: "Chat", exact: true }).click();
    await alice.getByRole("textbox", { name: "Message" }).pressSequentially("h");
    assert.equal(await alice.getByRole("button", { name: "Lower hand" }).count(), 1);
    await alice.getByRole("textbox", { name: "Message" }).press("Escape");
    await alice.locator("body").press("h");
    await tile(bob, "Alice").getByText("raised").waitFor({ state: "detached" });

    // Carol leaves with her hand up: her hand goes with her.
    await carol.getByRole("button", { name: "Leave", exact: true }).click();
    await waitFor("no hands left", async () => (await handQueue(alice)).length === 0);
  });

  test("reactions show on the sender's tile for everyone, briefly", async () => {
    const { alice, bob, carol } = await threePeople();
    await bob.getByRole("button", { name: "React" }).click();
    await bob.getByRole("button", { name: "Celebrate" }).click();
    for (const page of [alice, carol]) await tile(page, "Bob").getByText("🎉").waitFor();
    await tile(bob, "Bob (you)").getByText("🎉").waitFor();
    await alice.screenshot({ path: `${RESULTS}meeting-reaction-desktop.png` });
    await tile(alice, "Bob").getByText("🎉").waitFor({ state: "detached", timeout: 8000 });
  });

  test("a local recording is announced to everyone, late joiners too, and saved on the recorder's device", async () => {
    const { alice, bob, carol } = await threePeople();
    await bob.getByRole("button", { name: "Raise hand" }).click();
    await alice.getByRole("button", { name: "Record" }).click();
    await alice.getByText("You are recording").waitFor();
    for (const page of [bob, carol]) await page.getByText("Alice is recording").waitFor();
    await bob.getByText("Alice started recording").waitFor({ state: "attached" });
    await bob.screenshot({ path: `${RESULTS}meeting-recording-desktop.png` });

    // Carol comes back as a new member: she learns who records and whose hand is up.
    await carol.getByRole("button", { name: "Leave", exact: true }).click();
    await carol.getByRole("button", { name: "Rejoin" }).click();
    await carol.getByText("Alice is recording").waitFor({ timeout: 30_000 });
    await tile(carol, "Bob").getByText("raised").waitFor();

    // Carol's video is back on Alice's page, so the file holds media from before and after.
    await expectVideoFlowing(alice, "Carol", 30_000);
    const [download] = await Promise.all([
      alice.waitForEvent("download"),
      alice.getByRole("button", { name: "Stop recording" }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^conclave-recording-.*\.webm$/);
    const path = `${RESULTS}${download.suggestedFilename()}`;
    await download.saveAs(path);
    const file = readFileSync(path);
    console.log(`recording: ${file.length} bytes`);
    assert.deepEqual([...file.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], "a WebM (EBML) file");
    assert.ok(file.length > 10_000, `the file holds media (${file.length} bytes)`);
    for (const page of [bob, carol]) {
      await page.getByText("Alice is recording").waitFor({ state: "detached" });
    }
    await bob.getByText("Alice stopped recording").waitFor({ state: "attached" });
  });

  test("keyboard shortcuts: ? opens the help, Ctrl+D and M toggle the microphone outside text fields", async () => {
    const dana = await participant(PHONE);
    const link = await newMeetingLink(dana.page, suite.server.url);
    await joinMeeting(dana.page, link, "Dana");
    const page = dana.page;
    const mic = page.getByRole("button", { name: "Microphone", exact: true });
    await waitFor("microphone on", async () => (await mic.getAttribute("aria-pressed")) === "true");
    await page.locator("body").press("?");
    const help = page.getByRole("dialog", { name: "Keyboard shortcuts" });
    await help.waitFor();
    await page.screenshot({ path: `${RESULTS}shortcuts-phone.png` });
    await page.keyboard.press("Escape");
    await help.waitFor({ state: "detached" });
    await page.locator("body").press("m");
    assert.equal(await mic.getAttribute("aria-pressed"), "false");
    await page.getByRole("button", { name: "Chat", exact: true }).click();
    const box = page.getByRole("textbox", { name: "Message" });
    await box.pressSequentially("mmm");
    assert.equal(await mic.getAttribute("aria-pressed"), "false", "typing m is typing");
    assert.equal(await box.inputValue(), "mmm");
    await box.press("Control+d");
    assert.equal(await mic.getAttribute("aria-pressed"), "true", "Ctrl+D works while typing");
    await page.getByRole("button", { name: "Keyboard shortcuts" }).click();
    await help.getByRole("checkbox").uncheck();
    await help.getByRole("button", { name: "Close" }).click();
    await page.locator("body").press("m");
    assert.equal(await mic.getAttribute("aria-pressed"), "true", "single keys turned off");
  });
});
