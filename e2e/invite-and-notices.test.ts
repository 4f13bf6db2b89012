/**
 * What a meeting tells people, in Chromium against the real server: the landing page's promise,
 * the invite prompt for someone alone (the two links, which to send to whom, on a phone too), and
 * the notices for joins, leaves, a new host or co-host, the lock and a replaced link: shown, said
 * in a live region, with a chime that can be switched off; the lock shows in the header.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { BrowserContext, Page } from "playwright-core";
import { expectAccessible } from "./axe.ts";
import {
  browserSuite,
  clipboardText,
  hostMeeting,
  inGroup,
  joinMeeting,
  waitFor,
} from "./browser.ts";
import { menuAction, openPeople } from "./people-panel.ts";

const suite = browserSuite();

// `npm run screenshots` refreshes the pictures in docs/; a plain test run keeps them out of git.
const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.UPDATE_SCREENSHOTS ? "../docs/screenshots/" : "../test-results/screenshots/",
    import.meta.url,
  ),
);
mkdirSync(SCREENSHOTS, { recursive: true });

const DESKTOP = { width: 1280, height: 800 } as const;
const PHONE = { width: 390, height: 844 } as const;

/** Records the frequency of every tone the page starts (WebAudio oscillators), in order. */
async function recordTones(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const g = globalThis as unknown as {
      __tones: number[];
      OscillatorNode: { prototype: { start(when?: number): void; frequency: { value: number } } };
    };
    g.__tones = [];
    const start = g.OscillatorNode.prototype.start;
    g.OscillatorNode.prototype.start = function (this: { frequency: { value: number } }, when) {
      g.__tones.push(this.frequency.value);
      return start.call(this, when);
    };
  });
}

function tones(page: Page): Promise<number[]> {
  return page.evaluate(() => (globalThis as unknown as { __tones: number[] }).__tones);
}

/**
 * Records every notice shown and every text of a polite live region, as they appear: a notice
 * goes after 5 s and a live region takes the next words, and a loaded machine may take longer
 * than that between the event and the test's look.
 */
async function recordNotices(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const g = globalThis as unknown as {
      __shown: string[];
      __said: string[];
      document: {
        querySelectorAll(s: string): Iterable<{ textContent: string | null }>;
      };
      MutationObserver: new (
        f: () => void,
      ) => { observe(n: unknown, o: Record<string, boolean>): void };
    };
    g.__shown = [];
    g.__said = [];
    // No named functions in here: the test's TypeScript transform would wrap them in a helper
    // the page does not have.
    new g.MutationObserver(() => {
      for (const [list, selector] of [
        [g.__shown, ".notices .notice"],
        [g.__said, "[aria-live=polite]"],
      ] as const) {
        for (const el of g.document.querySelectorAll(selector)) {
          const text = (el.textContent ?? "").trim();
          if (text && !list.includes(text)) list.push(text);
        }
      }
    }).observe(g.document, {
      childList: true,
      subtree: true,
      characterData: true,
    });
  });
}

/** A notice was shown, and the same words were said in a polite live region. */
async function noticed(page: Page, text: string): Promise<void> {
  await waitFor(`“${text}” shown and said`, () =>
    page.evaluate((t) => {
      const g = globalThis as unknown as { __shown: string[]; __said: string[] };
      return g.__shown.some((s) => s.includes(t)) && g.__said.some((s) => s.includes(t));
    }, text),
  );
}

describe("invite prompt and notices in Chromium", () => {
  test("the landing page says media is end-to-end encrypted, with no promise of it being built", async () => {
    const ada = await suite.participant(DESKTOP);
    await ada.page.goto(suite.server.url);
    const tagline = ada.page.locator(".tagline");
    await tagline.waitFor();
    const text = (await tagline.textContent()) ?? "";
    assert.doesNotMatch(text, /being built|until it ships|could read/);
    assert.match(text, /end-to-end encrypted/);
    await expectAccessible(ada.page, "landing");
  });

  test("alone, the host sees “Your meeting’s ready” with the link, both copy buttons and who gets which", async () => {
    const ada = await suite.participant(DESKTOP);
    const link = await hostMeeting(suite, ada.page, "Ada");
    const prompt = ada.page.getByRole("region", { name: "Your meeting’s ready" });
    await prompt.waitFor();
    assert.equal(await prompt.getByRole("textbox", { name: "Meeting link" }).inputValue(), link);
    await prompt.getByText("people you trust").waitFor();
    await prompt.getByText("they ask to join and a host lets them in").waitFor();
    await prompt.getByRole("button", { name: "Copy meeting link" }).click();
    await waitFor("the meeting link copied", async () => (await clipboardText(ada.page)) === link);
    await prompt.getByRole("button", { name: "Copy guest link" }).click();
    const guest = await waitFor("the guest link copied", async () => {
      const copied = await clipboardText(ada.page);
      return /#k=[0-9a-f]{64}$/.test(copied) ? copied : false;
    });
    assert.ok(!guest.includes(new URL(link).hash.slice(1)), "the guest link holds no secret");
    await expectAccessible(ada.page, "invite prompt (1280×800)");
    await ada.page.screenshot({ path: `${SCREENSHOTS}invite-prompt-desktop.png` });

    // Someone is in: the prompt has done its work and goes.
    const ben = await suite.participant(DESKTOP);
    await joinMeeting(ben.page, link, "Ben");
    await prompt.waitFor({ state: "detached", timeout: 30_000 });
    assert.equal(await ben.page.getByRole("region", { name: "Your meeting’s ready" }).count(), 0);
  });

  test("on a 390 px phone, Invite explains the meeting link and the guest link, each with its labelled button", async () => {
    const ada = await suite.participant(PHONE);
    await hostMeeting(suite, ada.page, "Ada");
    const prompt = ada.page.getByRole("region", { name: "Your meeting’s ready" });
    await prompt.waitFor();
    const copyMeeting = prompt.getByRole("button", { name: "Copy meeting link" });
    const copyGuest = prompt.getByRole("button", { name: "Copy guest link" });
    // Labelled on screen, not only for screen readers, and told apart by their words.
    assert.equal((await copyMeeting.innerText()).trim(), "Copy meeting link");
    assert.equal((await copyGuest.innerText()).trim(), "Copy guest link");
    for (const button of [copyMeeting, copyGuest]) {
      const box = await button.boundingBox();
      assert.ok(box && box.width >= 44 && box.height >= 36 && box.x >= 0, "a visible target");
      assert.ok(box.x + box.width <= PHONE.width, "inside the screen");
    }
    await expectAccessible(ada.page, "invite prompt (390×844)");
    await ada.page.screenshot({ path: `${SCREENSHOTS}invite-prompt-phone.png` });

    // The header's two look-alike icons give way to one labelled Invite button.
    assert.equal(await ada.page.getByRole("button", { name: "Copy link" }).isVisible(), false);
    await ada.page.getByRole("button", { name: "Close the invite" }).click();
    await prompt.waitFor({ state: "detached" });
    const invite = ada.page.getByRole("button", { name: "Invite", exact: true });
    assert.equal((await invite.innerText()).trim(), "Invite");
    await invite.click();
    // Asked for, it opens again (titled for the asking).
    await ada.page.getByRole("region", { name: "Invite people" }).waitFor();
    assert.equal(await invite.getAttribute("aria-expanded"), "true");
  });

  test("joins, a new co-host, the lock, a replaced link, a new host and a leave are shown and said; the lock shows in the header", async () => {
    const alice = await suite.participant(DESKTOP);
    const bob = await suite.participant(DESKTOP);
    const carol = await suite.participant(DESKTOP);
    await recordTones(alice.context);
    await recordTones(bob.context);
    for (const p of [alice, bob, carol]) await recordNotices(p.context);
    const link = await hostMeeting(suite, alice.page, "Alice");

    // Bob joins: Alice sees and hears it.
    await joinMeeting(bob.page, link, "Bob");
    await inGroup(bob.page, "Bob");
    await noticed(alice.page, "Bob joined");
    await waitFor("the join chime on Alice's page", async () =>
      (await tones(alice.page)).join(",").includes("523,784"),
    );

    // Bob switches the chime off: Carol's join is shown to him, silently.
    await openPeople(bob.page);
    await bob.page.getByRole("checkbox", { name: "Chime when people join or leave" }).uncheck();
    await bob.page.getByRole("button", { name: "People", exact: true }).click();
    const bobTones = (await tones(bob.page)).length;
    await joinMeeting(carol.page, link, "Carol");
    await inGroup(carol.page, "Carol");
    await noticed(bob.page, "Carol joined");
    assert.equal((await tones(bob.page)).length, bobTones, "no chime with the chime off");

    // Alice makes Bob co-host, then locks the meeting: Bob is told, and his header shows it.
    await openPeople(alice.page);
    await menuAction(alice.page, "Bob", "Make Bob co-host");
    await noticed(bob.page, "You are now a co-host");
    await noticed(carol.page, "Bob is now a co-host");
    assert.equal(await bob.page.locator(".lock-badge").count(), 0, "not locked yet");
    await alice.page.getByRole("checkbox", { name: "Lock meeting" }).check();
    await noticed(bob.page, "The meeting is locked");
    await bob.page.locator(".notices .notice").first().waitFor();
    const badge = bob.page.locator(".meeting-bar .lock-badge");
    await badge.waitFor();
    assert.equal((await badge.innerText()).trim(), "Locked");
    await expectAccessible(bob.page, "notices and the lock (1280×800)");
    await bob.page.screenshot({ path: `${SCREENSHOTS}notices-lock-desktop.png` });

    // On a phone the lock stays in the header (the people count gives way) and notices show.
    await carol.page.setViewportSize(PHONE);
    await alice.page.getByRole("checkbox", { name: "Lock meeting" }).uncheck();
    await noticed(carol.page, "The meeting is unlocked");
    await carol.page.locator(".lock-badge").waitFor({ state: "detached" });
    await alice.page.getByRole("checkbox", { name: "Lock meeting" }).check();
    await noticed(carol.page, "The meeting is locked");
    await carol.page.locator(".meeting-bar .lock-badge").waitFor();
    await carol.page.locator(".notices .notice").first().waitFor();
    await expectAccessible(carol.page, "notices and the lock (390×844)");
    await carol.page.screenshot({ path: `${SCREENSHOTS}notices-lock-phone.png` });

    // Remove and block Carol: the link is replaced, and everyone left is told.
    await menuAction(alice.page, "Carol", "Remove and block Carol");
    await alice.page
      .getByRole("alertdialog")
      .getByRole("button", { name: "Remove and block" })
      .click();
    await noticed(bob.page, "The meeting link was replaced");

    // Alice hands the host role to Bob: he and Alice are told; then Alice leaves.
    await menuAction(alice.page, "Bob", "Make Bob the host (you stay as a member)");
    await noticed(bob.page, "You are now the host");
    await noticed(alice.page, "Bob is now the host");
    await alice.page.getByRole("button", { name: "Leave", exact: true }).click();
    await noticed(bob.page, "Alice left");
  });
});
