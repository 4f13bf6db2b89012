/**
 * Lock and waiting states that agree, in Chromium against the real server: someone with the invite
 * link who arrives while the meeting is locked sees no nameless tiles and no count of people they
 * cannot see; the host sees them as a named waiting card with Unlock to admit, not as an anonymous
 * tile; a guest told "a host has to unlock" is not offered to the host with Admit until it is
 * unlocked.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Page } from "playwright-core";
import { expectAccessible } from "./axe.ts";
import {
  browserSuite,
  clipboardText,
  holdsFor,
  hostMeeting,
  inGroup,
  tile,
  waitFor,
} from "./browser.ts";
import { openPeople } from "./people-panel.ts";

const suite = browserSuite();

function count(page: Page): Promise<string> {
  return page.locator(".meeting-bar .count").innerText();
}

/** Tiles whose name is not a person's: "Joining…", or nothing at all. */
function namelessTiles(page: Page) {
  return page.locator(".tile").filter({ hasText: /Joining…|Not in the encrypted group yet/ });
}

describe("lock and waiting states in Chromium", () => {
  test("while locked, a joiner with the link sees no nameless tiles; the host sees who waits, with Unlock to admit", async () => {
    const alice = await suite.participant();
    const link = await hostMeeting(suite, alice.page, "Alice");
    await openPeople(alice.page);
    await alice.page.getByRole("checkbox", { name: "Lock meeting" }).check();
    await alice.page.locator(".meeting-bar .lock-badge").waitFor();

    // Carol comes with the invite link while the meeting is locked.
    const carol = await suite.participant();
    await carol.page.goto(link);
    await carol.page.getByRole("textbox", { name: "Your name" }).fill("Carol");
    await carol.page.getByRole("button", { name: "Join", exact: true }).click();
    await carol.page
      .getByText("The meeting is locked. You will join once a host unlocks it.")
      .waitFor({
        timeout: 20_000,
      });
    // Her page names nobody it cannot see and counts nobody: she waits, and is told so.
    await holdsFor(
      "Carol's page shows no nameless tile and no count",
      async () =>
        (await namelessTiles(carol.page).count()) === 0 && (await count(carol.page)) === "Joining…",
      2000,
    );
    await expectAccessible(carol.page, "joining a locked meeting");

    // Alice sees Carol by the name she sealed with the invite secret, in a card, not as a tile.
    const card = alice.page.getByRole("article", { name: "Carol asks to join" });
    await card.waitFor({ timeout: 20_000 });
    await card.getByText("The meeting is locked").waitFor();
    assert.equal(await card.getByRole("button", { name: "Admit Carol" }).count(), 0);
    assert.equal(await namelessTiles(alice.page).count(), 0, "no anonymous tile at the host");
    assert.equal(await count(alice.page), "1 person", "Carol is not counted before she is in");
    await expectAccessible(alice.page, "a waiting card in a locked meeting");

    // Unlock to admit: Carol joins the group, both see each other.
    await card.getByRole("button", { name: "Unlock to admit" }).click();
    await inGroup(carol.page, "Carol");
    await tile(alice.page, "Carol").waitFor({ timeout: 20_000 });
    await tile(carol.page, "Alice").waitFor({ timeout: 20_000 });
    await waitFor(
      "2 people on both pages",
      async () =>
        (await count(alice.page)) === "2 people" && (await count(carol.page)) === "2 people",
    );
  });

  test("a guest told “a host has to unlock” is offered to the host with Unlock to admit, then Admit", async () => {
    const alice = await suite.participant();
    await hostMeeting(suite, alice.page, "Alice");
    await alice.page.getByRole("button", { name: "Copy guest link (they ask to join)" }).click();
    const guestLink = await waitFor("the guest link", async () => {
      const text = await clipboardText(alice.page);
      return /#k=[0-9a-f]{64}$/.test(text) ? text : false;
    });
    await openPeople(alice.page);
    await alice.page.getByRole("checkbox", { name: "Lock meeting" }).check();
    await alice.page.locator(".meeting-bar .lock-badge").waitFor();

    const dan = await suite.participant();
    await dan.page.goto(guestLink);
    await dan.page.getByRole("textbox", { name: "Your name" }).fill("Dan");
    await dan.page.getByRole("button", { name: "Ask to join" }).click();
    await dan.page.getByText("A host has to unlock it").waitFor({ timeout: 20_000 });

    const card = alice.page.getByRole("article", { name: "Dan asks to join" });
    await card.waitFor({ timeout: 20_000 });
    const admit = card.getByRole("button", { name: "Admit Dan" });
    assert.equal(await admit.count(), 0, "no Admit the engine would refuse while locked");
    await card.getByRole("button", { name: "Unlock to admit" }).click();
    await admit.click();
    await inGroup(dan.page, "Dan");
    await tile(alice.page, "Dan").waitFor({ timeout: 20_000 });
  });
});
