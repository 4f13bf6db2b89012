/**
 * Verification (docs/e2ee.md "Names and verification"): a fingerprint marked verified is pinned in
 * this browser; the same person coming back from the same browser keeps the same key, while
 * someone else under that name raises a loud warning.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import {
  browserSuite,
  expectVideoFlowing,
  joinMeeting,
  newMeetingLink,
  waitFor,
} from "./browser.ts";
import { seedRawDeviceKey, storedDeviceKey } from "./device-key.ts";

const keyChanged = (page: Page) => page.locator('[data-alarm="key-changed"]');

async function openSecurity(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Security", exact: true }).click();
  await page.getByRole("heading", { name: "Security", exact: true }).waitFor();
}

describe("verification in Chromium", () => {
  const suite = browserSuite();

  test("the device key is stored as a non-extractable CryptoKey, an old key stored as bytes is moved into one, and both sign for MLS", async () => {
    const alice = await suite.participant();
    const bob = await suite.participant();
    await alice.page.goto(suite.server.url);
    const seeded = await seedRawDeviceKey(alice.page);
    const link = await newMeetingLink(bob.page, suite.server.url);
    await joinMeeting(bob.page, link, "Bob");
    await joinMeeting(alice.page, link, "Alice");
    // Both joined one MLS group, each signing with its kept key: media flows both ways.
    await expectVideoFlowing(alice.page, "Bob");
    await expectVideoFlowing(bob.page, "Alice");
    for (const [who, page] of [
      ["Alice", alice.page],
      ["Bob", bob.page],
    ] as const) {
      const stored = await storedDeviceKey(page);
      assert.deepEqual(stored.fields, ["deviceId", "signaturePublicKey", "signingKey"], who);
      assert.equal(stored.cryptoKey, true, who);
      assert.equal(stored.extractable, false, who);
      assert.equal(stored.exported, "refused", who);
    }
    assert.deepEqual(
      (await storedDeviceKey(alice.page)).publicKey,
      seeded,
      "same key, same fingerprint",
    );
  });

  test("a verified name that comes back with another key raises a warning; the same browser does not", async () => {
    const alice = await suite.participant();
    const bob = await suite.participant();
    const mallory = await suite.participant();
    const link = await newMeetingLink(alice.page, suite.server.url);
    await joinMeeting(alice.page, link, "Alice");
    await joinMeeting(bob.page, link, "Bob");
    await expectVideoFlowing(alice.page, "Bob");

    await openSecurity(alice.page);
    await alice.page.getByRole("button", { name: "Verify Bob" }).click();
    await alice.page.getByRole("button", { name: "They match" }).click();
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
