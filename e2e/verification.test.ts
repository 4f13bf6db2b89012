/**
 * Verification (docs/e2ee.md "Names and verification"): a fingerprint marked verified is pinned in
 * this browser; the same person coming back from the same browser keeps the same key, while
 * someone else under that name raises a loud warning.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type ServerProcess, startServer } from "../packages/server/test/start-server.ts";
import {
  expectVideoFlowing,
  joinMeeting,
  launchBrowser,
  newParticipant,
  type Participant,
  waitFor,
} from "./browser.ts";

const keyChanged = (page: Page) => page.locator('[data-alarm="key-changed"]');

async function openSecurity(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Security", exact: true }).click();
  await page.getByRole("heading", { name: "Security", exact: true }).waitFor();
}

describe("verification in Chromium", () => {
  let server: ServerProcess;
  let browser: Browser;
  const open: Participant[] = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  after(async () => {
    for (const p of open) await p.context.close().catch(() => {});
    await browser?.close();
    await server?.stop();
  });

  test("a verified name that comes back with another key raises a warning; the same browser does not", async () => {
    const alice = await newParticipant(browser);
    const bob = await newParticipant(browser);
    const mallory = await newParticipant(browser);
    open.push(alice, bob, mallory);
    await alice.page.goto(server.url);
    await alice.page.getByRole("button", { name: "New meeting" }).click();
    await alice.page.waitForURL(/\/m\//);
    const link = alice.page.url();
    await joinMeeting(alice.page, link, "Alice");
    await joinMeeting(bob.page, link, "Bob");
    await expectVideoFlowing(alice.page, "Bob");

    await openSecurity(alice.page);
    await alice.page.getByRole("button", { name: "Mark Bob verified" }).click();
    await alice.page.getByRole("button", { name: "Unverify Bob" }).waitFor();

    // Bob leaves and comes back from the same browser: same device key, still verified.
    await bob.page.getByRole("button", { name: "Leave", exact: true }).click();
    await bob.page.goto("about:blank"); // a new page load, as a person coming back would make
    await joinMeeting(bob.page, link, "Bob");
    await expectVideoFlowing(alice.page, "Bob");
    await alice.page.getByRole("button", { name: "Unverify Bob" }).waitFor();
    assert.equal(await keyChanged(alice.page).count(), 0);

    // Someone else calls themselves Bob: another key under a verified name.
    await joinMeeting(mallory.page, link, "Bob");
    await waitFor("the key-change warning", async () => (await keyChanged(alice.page).count()) > 0);
    const text = (await keyChanged(alice.page).first().textContent()) ?? "";
    assert.match(text, /not using the key you verified/);
    await alice.page.screenshot({ path: "test-results/verification-key-changed.png" });
  });
});
