/**
 * Reconnection in the browser (docs/protocol.md "Reconnecting"): a participant whose network goes
 * away and comes back reconnects by itself, takes back its place in the MLS group (same leaf, same
 * epoch: nobody re-keys) and its media flows again within 5 s, without a page reload.
 */
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { networkCut } from "../packages/server/test/network-cut.ts";
import { expectAccessible } from "./axe.ts";
import {
  browserSuite,
  expectVideoFlowing,
  holdsFor,
  joinMeeting,
  newMeetingLink,
  tile,
  videoFrames,
  waitFor,
} from "./browser.ts";

interface GroupView {
  epoch: string | null;
  ownLeaf: number | null;
}

/** The worker's MLS view, exposed for tests on the meeting element. */
async function group(page: Page): Promise<GroupView> {
  const raw = await page.locator(".meeting").getAttribute("data-group");
  return JSON.parse(raw ?? "null") as GroupView;
}

describe("reconnecting in Chromium", () => {
  const suite = browserSuite();

  test("a participant whose network drops gets its media back within 5 s, in the same group", async () => {
    const alice = await suite.participant();
    const bob = await suite.participant();
    const link = await newMeetingLink(alice.page, suite.server.url);
    await joinMeeting(alice.page, link, "Alice");
    await joinMeeting(bob.page, link, "Bob");
    await expectVideoFlowing(alice.page, "Bob");
    await expectVideoFlowing(bob.page, "Alice");
    const before = await group(bob.page);

    await bob.context.setOffline(true);
    await bob.page.locator(".banner", { hasText: "Reconnecting…" }).waitFor({ timeout: 5000 });
    await tile(alice.page, "Bob").getByText("Reconnecting…").first().waitFor({ timeout: 10_000 });
    await mkdir("test-results", { recursive: true });
    await alice.page.screenshot({ path: "test-results/reconnecting-peer.png" });
    await bob.page.screenshot({ path: "test-results/reconnecting-self.png" });
    // A message written while away is not shown as sent, nor lost: it stays in the box.
    await bob.page.getByRole("button", { name: "Chat", exact: true }).click();
    const box = bob.page.getByRole("textbox", { name: "Message" });
    await box.fill("written while away");
    await box.press("Enter");
    await bob.page.getByRole("alert").filter({ hasText: "you are reconnecting" }).waitFor();
    assert.equal(await box.inputValue(), "written while away");
    await bob.context.setOffline(false);
    const restored = Date.now();

    const seenBy = async (viewer: Page, name: string) => {
      const start = await videoFrames(viewer, name).catch(() => 0);
      return waitFor(`${name}'s video on the other page again`, async () => {
        const n = await videoFrames(viewer, name).catch(() => 0);
        return n > start + 10 || (n > 10 && n < start) ? Date.now() - restored : false;
      });
    };
    const [bobSeen, aliceSeen] = await Promise.all([
      seenBy(alice.page, "Bob"),
      seenBy(bob.page, "Alice"),
    ]);
    console.log(`media back ${bobSeen} ms (Bob at Alice) and ${aliceSeen} ms (Alice at Bob)`);
    assert.ok(Math.max(bobSeen, aliceSeen) < 5000, "media came back within 5 s");

    const after = await group(bob.page);
    assert.equal(after.ownLeaf, before.ownLeaf, "Bob kept his leaf");
    assert.equal(after.epoch, before.epoch, "nobody had to re-key");
    assert.equal(await bob.page.locator(".banner", { hasText: "Reconnecting…" }).count(), 0);

    // Back in the meeting, the same message is sent and Alice reads it.
    await box.press("Enter");
    await alice.page.getByRole("button", { name: "Chat", exact: true }).click();
    await alice.page
      .getByRole("list", { name: "Messages" })
      .getByText("written while away")
      .waitFor({ timeout: 10_000 });
    assert.equal(await box.inputValue(), "");
  });
  test("a knocker whose network drops keeps their place: the host's card says Reconnecting…, and Admit lets them in as they come back", async () => {
    const alice = await suite.participant();
    const kim = await suite.participant();
    const link = await newMeetingLink(alice.page, suite.server.url);
    await joinMeeting(alice.page, link, "Alice");
    // Kim's page reaches the server through a relay whose network the test cuts: the server sees
    // her connection die, as on a Wi-Fi blip (the browser's offline mode leaves it open).
    const relay = await networkCut(suite.server.port);
    try {
      await kim.page.goto(`http://127.0.0.1:${relay.port}${new URL(link).pathname}#k`);
      await kim.page.getByRole("textbox", { name: "Your name" }).fill("Kim");
      await kim.page.getByRole("button", { name: "Ask to join" }).click();
      await kim.page.getByText("Waiting for a host to let you in").first().waitFor();
      const admit = alice.page.getByRole("button", { name: "Admit Kim", exact: true });
      await waitFor("Admit Kim enabled (Kim's KeyPackage arrived)", () => admit.isEnabled());

      relay.cut();
      await kim.page.getByRole("heading", { name: "Reconnecting…" }).waitFor({ timeout: 10_000 });
      await kim.page.getByText("Your place in line is kept for 30 s").waitFor();
      const card = alice.page.getByRole("article", { name: /Kim/ });
      await card.getByText("Reconnecting…").waitFor({ timeout: 10_000 });
      await expectAccessible(alice.page, "axe on a knock card marked reconnecting");
      // The server still holds the upload Alice's card shows: Admit stays, and says what it does.
      assert.equal(await admit.isEnabled(), true);
      const described = (await admit.getAttribute("aria-describedby")) ?? "";
      assert.match(
        (await alice.page.locator(`[id="${described}"]`).textContent()) ?? "",
        /If you admit them now, they come in when they are back/,
      );
      await admit.click();
      await card.waitFor({ state: "detached" });
      // In the group now, away: a tile that says so (named once Kim's own signed hello arrives),
      // not an alarm about a member with no tile.
      await tile(alice.page, "Joining…").getByText("Reconnecting…").first().waitFor();
      // Past the 3 s the alarm waits for a member without a tile to be explained.
      await holdsFor(
        "no alarm about a member not in the call",
        async () =>
          (await alice.page.getByText("In the encrypted group but not in the call").count()) === 0,
        4000,
      );

      relay.restore();
      const retry = kim.page.getByRole("button", { name: "Retry now" });
      // From the keyboard, as anyone may; an attempt that began meanwhile takes the button away.
      if (await retry.isVisible()) await retry.press("Enter", { timeout: 2000 }).catch(() => {});
      await expectVideoFlowing(alice.page, "Kim");
      await expectVideoFlowing(kim.page, "Alice");
      assert.equal(await kim.page.getByText("Waiting for a host to let you in").count(), 0);
    } finally {
      await relay.close();
    }
  });

  test("a person a host let in from the lobby takes their place back after a drop, without asking again", async () => {
    const alice = await suite.participant();
    const kim = await suite.participant();
    const link = await newMeetingLink(alice.page, suite.server.url);
    await joinMeeting(alice.page, link, "Alice");
    await kim.page.goto(`${new URL(link).origin}${new URL(link).pathname}#k`);
    await kim.page.getByRole("textbox", { name: "Your name" }).fill("Kim");
    await kim.page.getByRole("button", { name: "Ask to join" }).click();
    await alice.page.getByRole("button", { name: "Admit Kim", exact: true }).click();
    await expectVideoFlowing(alice.page, "Kim");
    await expectVideoFlowing(kim.page, "Alice");
    const before = await group(kim.page);

    await kim.context.setOffline(true);
    await tile(alice.page, "Kim").getByText("Reconnecting…").first().waitFor({ timeout: 10_000 });
    await kim.context.setOffline(false);
    const start = await videoFrames(alice.page, "Kim").catch(() => 0);
    await waitFor("Kim's video at Alice again", async () => {
      const n = await videoFrames(alice.page, "Kim").catch(() => 0);
      return n > start + 10 || (n > 10 && n < start);
    });
    const after = await group(kim.page);
    assert.equal(after.ownLeaf, before.ownLeaf, "Kim kept her leaf");
    assert.equal(after.epoch, before.epoch, "nobody had to re-key");
    assert.equal(await alice.page.getByRole("button", { name: "Admit Kim" }).count(), 0);
    assert.equal(await kim.page.getByText("Waiting for a host to let you in").count(), 0);
  });
});
