/**
 * The comparison step (docs/e2ee.md "Comparing with one person"): two people read six words their
 * screens show for their pair, the same on both sides; "They match" marks the other verified, on
 * their tile and in People; someone else under a verified name gets other words.
 */
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
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

// `npm run screenshots` refreshes the pictures in docs/; a plain test run keeps them out of git.
const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.UPDATE_SCREENSHOTS ? "../docs/screenshots/" : "../test-results/screenshots/",
    import.meta.url,
  ),
);
mkdirSync(SCREENSHOTS, { recursive: true });
const PHONE_390 = { width: 390, height: 844 } as const;

async function openSecurity(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Security", exact: true }).click();
  await page.getByRole("heading", { name: "Security", exact: true }).waitFor();
}

/** Opens the comparison with `name` (a button "Verify NAME…") and returns the six words shown. */
async function compareWith(page: Page, name: RegExp): Promise<string[]> {
  await page.getByRole("button", { name }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  const words = dialog.getByRole("list", { name: /^Words to compare with / }).locator("li");
  await waitFor("six words", async () => (await words.count()) === 6);
  return (await words.allTextContents()).map((w) => w.trim());
}

async function closeDialog(page: Page): Promise<void> {
  await page
    .getByRole("dialog")
    .getByRole("button", { name: /^(Not now|Close)$/ })
    .click();
  await page.getByRole("dialog").waitFor({ state: "detached" });
}

describe("comparing keys in Chromium", () => {
  const suite = browserSuite();

  test("both see the same six words; they match marks the other verified on the tile and in People; another key under the name gets other words", async () => {
    const alice = await suite.participant();
    const bob = await suite.participant(PHONE_390);
    const link = await newMeetingLink(alice.page, suite.server.url);
    await joinMeeting(alice.page, link, "Alice");
    await joinMeeting(bob.page, link, "Bob");
    await expectVideoFlowing(alice.page, "Bob");

    await openSecurity(alice.page);
    await openSecurity(bob.page);
    const aliceSees = await compareWith(alice.page, /^Verify Bob$/);
    const bobSees = await compareWith(bob.page, /^Verify Alice$/);
    assert.deepEqual(bobSees, aliceSees, "the pair's words are the same on both sides");
    for (const word of aliceSees) assert.match(word, /^[a-z]+$/);
    await expectAccessible(alice.page, "the comparison step (desktop)");
    await expectAccessible(bob.page, "the comparison step (phone)");
    await alice.page.screenshot({ path: `${SCREENSHOTS}comparison-desktop.png` });
    await bob.page.screenshot({ path: `${SCREENSHOTS}comparison-phone.png` });

    // Saying no leaves the other unverified, with a warning of what it may mean.
    await bob.page.getByRole("button", { name: "They don't match" }).click();
    await bob.page.locator('[data-alarm="comparison-mismatch"]').waitFor();
    await expectAccessible(bob.page, "the comparison step after a mismatch");
    await closeDialog(bob.page);
    await bob.page.getByRole("button", { name: "Verify Alice" }).waitFor();
    assert.equal(await bob.page.getByRole("button", { name: "Unverify Alice" }).count(), 0);

    // Saying yes verifies: the Security panel, the tile and People say so.
    assert.equal(await tile(alice.page, "Bob").locator("[data-verified]").count(), 0);
    await alice.page.getByRole("button", { name: "They match" }).click();
    await alice.page.getByRole("dialog").waitFor({ state: "detached" });
    await alice.page.getByRole("button", { name: "Unverify Bob" }).waitFor();
    await tile(alice.page, "Bob").locator("[data-verified]").waitFor();
    assert.match((await tile(alice.page, "Bob").textContent()) ?? "", /Verified/);
    assert.equal(await tile(alice.page, "Alice (you)").locator("[data-verified]").count(), 0);
    await alice.page.getByRole("button", { name: "Close", exact: true }).click();
    await alice.page.getByRole("button", { name: /^People/ }).click();
    const person = alice.page.locator(".person", { hasText: "Bob" });
    await person.locator("[data-verified]").waitFor();
    await expectAccessible(alice.page, "People with a verified mark");
    await alice.page.screenshot({ path: `${SCREENSHOTS}verified-people-desktop.png` });
    await alice.page.getByRole("button", { name: "Close", exact: true }).click();
    await expectAccessible(alice.page, "the meeting with a verified mark on a tile");

    // Someone else joins under the name Bob: the pair Alice-and-them has other words than the
    // pair Alice-and-Bob, which both of those still agree on (new words: the roster changed).
    const mallory = await suite.participant();
    await joinMeeting(mallory.page, link, "Bob");
    await alice.page.locator('[data-alarm="key-changed"]').first().waitFor();
    await openSecurity(alice.page);
    const withMallory = await compareWith(alice.page, /^Verify Bob/);
    await closeDialog(alice.page);
    const bobNow = await compareWith(bob.page, /^Verify Alice$/);
    await openSecurity(mallory.page);
    const malloryNow = await compareWith(mallory.page, /^Verify Alice$/);
    assert.deepEqual(malloryNow, withMallory, "Alice and the stranger agree with each other");
    assert.notDeepEqual(withMallory, bobNow, "but not with the real Bob's words");
    assert.notDeepEqual(bobNow, aliceSees, "a join gave the pair new words");
  });
});
