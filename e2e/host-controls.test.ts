/**
 * Host commands in Chromium against the real server (docs/e2ee.md "Host commands"): a host asks a
 * participant to unmute (only their click unmutes), mutes one, mutes everyone and ends the meeting;
 * a participant who is not a host has none of these controls.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import {
  browserSuite,
  joinMeeting,
  newMeetingLink,
  type Participant,
  tile,
  waitFor,
} from "./browser.ts";

const suite = browserSuite();

function e2eeStatus(page: Page): Promise<string | null> {
  return page.locator(".meeting").getAttribute("data-e2ee-status");
}

async function inGroup(p: Participant, who: string): Promise<void> {
  await waitFor(
    `${who} in the encrypted group`,
    async () => (await e2eeStatus(p.page)) === "member",
  );
}

/** Makes a new meeting and joins it as its host; returns the invite link. */
async function host(p: Participant, name: string): Promise<string> {
  const link = await newMeetingLink(p.page, suite.server.url);
  await joinMeeting(p.page, link, name);
  await inGroup(p, name);
  return link;
}

async function openPeople(page: Page): Promise<void> {
  const button = page.getByRole("button", { name: "People", exact: true });
  if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
  await page.getByRole("heading", { name: /^People/ }).waitFor();
}

function micButton(page: Page) {
  return page.getByRole("button", { name: "Microphone", exact: true });
}

async function micIs(page: Page, on: boolean, what: string): Promise<void> {
  await waitFor(what, async () => (await micButton(page).getAttribute("aria-pressed")) === `${on}`);
}

/** Whether `viewer` shows `name`'s microphone as off (from their media-state). */
async function shownMuted(viewer: Page, name: string, muted: boolean, what: string) {
  await waitFor(what, async () => {
    const count = await tile(viewer, name).getByText("Microphone off").count();
    return muted ? count === 1 : count === 0;
  });
}

describe("host commands in Chromium", () => {
  test("a host asks to unmute, mutes one and everyone, and ends the meeting; a member has none of it", async () => {
    const alice = await suite.participant();
    const link = await host(alice, "Alice");
    const bob = await suite.participant();
    await joinMeeting(bob.page, link, "Bob");
    const cyd = await suite.participant();
    await joinMeeting(cyd.page, link, "Cyd");
    await inGroup(bob, "Bob");
    await inGroup(cyd, "Cyd");
    await openPeople(alice.page);
    // The People panel offers what fits Bob's microphone: Mute while on, Ask to unmute while off.
    await alice.page.getByRole("button", { name: "Mute Bob", exact: true }).waitFor();
    const askBob = alice.page.getByRole("button", { name: "Ask Bob to unmute", exact: true });

    // Bob mutes himself; Alice asks him to unmute. Nothing changes until he clicks Unmute.
    await micButton(bob.page).click();
    await micIs(bob.page, false, "Bob muted himself");
    await shownMuted(alice.page, "Bob", true, "Bob shown muted to Alice");
    await askBob.click();
    const ask = bob.page.getByRole("region", { name: "Request to unmute" });
    await ask.getByText("Alice asks you to unmute").waitFor();
    assert.equal(await micButton(bob.page).getAttribute("aria-pressed"), "false", "not unmuted");
    await ask.getByRole("button", { name: "Unmute", exact: true }).click();
    await micIs(bob.page, true, "Bob unmuted by his click");
    await ask.waitFor({ state: "detached" });
    await shownMuted(alice.page, "Bob", false, "Bob shown unmuted to Alice");

    // Alice mutes Bob: his own client turns his microphone off and tells him; he may unmute.
    await alice.page.getByRole("button", { name: "Mute Bob", exact: true }).click();
    await micIs(bob.page, false, "Bob muted by Alice");
    await bob.page.locator("[data-host-command=muted]").getByText("Alice muted you").waitFor();
    await shownMuted(alice.page, "Bob", true, "Bob's media-state says audio off");
    await shownMuted(cyd.page, "Bob", true, "and so to Cyd");
    await micButton(bob.page).click();
    await micIs(bob.page, true, "Bob unmuted himself");

    // Cyd is no host: the People panel has none of the host controls for her.
    await openPeople(cyd.page);
    await cyd.page.getByText("Bob", { exact: true }).first().waitFor();
    for (const name of [
      "Ask Bob to unmute",
      "Mute Bob",
      "Ask Alice to unmute",
      "Mute Alice",
      "Mute everyone",
      "End meeting for everyone",
    ]) {
      assert.equal(await cyd.page.getByRole("button", { name, exact: true }).count(), 0, name);
    }

    // Mute everyone: Bob and Cyd are muted by their own clients; Alice is not.
    await micIs(cyd.page, true, "Cyd's microphone on");
    await alice.page.getByRole("button", { name: "Mute everyone", exact: true }).click();
    await micIs(bob.page, false, "Bob muted by Mute everyone");
    await micIs(cyd.page, false, "Cyd muted by Mute everyone");
    await cyd.page.locator("[data-host-command=muted]").getByText("Alice muted you").waitFor();
    assert.equal(await micButton(alice.page).getAttribute("aria-pressed"), "true");

    // End meeting for everyone, after a confirm: every page leaves.
    await alice.page.getByRole("button", { name: "End meeting for everyone", exact: true }).click();
    const dialog = alice.page.getByRole("alertdialog", { name: "End the meeting for everyone?" });
    await dialog.getByRole("button", { name: "End meeting", exact: true }).click();
    await bob.page.getByRole("heading", { name: "The host ended the meeting" }).waitFor();
    await cyd.page.getByRole("heading", { name: "The host ended the meeting" }).waitFor();
    await alice.page.getByRole("heading", { name: "You ended the meeting for everyone" }).waitFor();
    assert.equal(await bob.page.getByRole("button", { name: "Leave", exact: true }).count(), 0);
  });
});
