/**
 * The People panel for a host, in Chromium against the real server: one fitting action per person
 * and the rest in a menu that works from the keyboard; Remove asks first and says when it is done;
 * a host lowers someone's raised hand for everyone (an application message each member's engine
 * accepts from a host or co-host only).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { expectAccessible } from "./axe.ts";
import { browserSuite, hostMeeting, inGroup, joinMeeting, tile, waitFor } from "./browser.ts";
import { openPeople } from "./people-panel.ts";

const suite = browserSuite();

describe("the People panel in Chromium", () => {
  test("one action in sight, the rest in a keyboard menu; Lower hand; Remove asks, then says it is done", async () => {
    const alice = await suite.participant();
    const link = await hostMeeting(suite, alice.page, "Alice");
    const bob = await suite.participant();
    await joinMeeting(bob.page, link, "Bob");
    await inGroup(bob.page, "Bob");
    const carol = await suite.participant();
    await joinMeeting(carol.page, link, "Carol");
    await inGroup(carol.page, "Carol");
    await openPeople(alice.page);

    // Bob's row: Mute in sight, and one menu button; Remove is not a button of the row.
    const row = alice.page.locator(".person").filter({ hasText: "Bob" });
    await row.getByRole("button", { name: "Mute Bob", exact: true }).waitFor();
    assert.equal(await row.getByRole("button").count(), 2, "Mute and More actions");
    assert.equal(await alice.page.getByRole("button", { name: "Remove Bob" }).count(), 0);

    // The menu from the keyboard: Enter opens it on its first item, arrows move, Escape returns.
    const more = row.getByRole("button", { name: "More actions for Bob", exact: true });
    await more.focus();
    await alice.page.keyboard.press("Enter");
    const menu = alice.page.getByRole("menu", { name: "Actions for Bob" });
    await menu.waitFor();
    assert.equal(await more.getAttribute("aria-expanded"), "true");
    /** The focused element's accessible name (its label, else its text). */
    const focused = () =>
      alice.page.evaluate(() => {
        const { activeElement: el } = (
          globalThis as unknown as {
            document: {
              activeElement: { getAttribute(n: string): string | null; textContent: string };
            };
          }
        ).document;
        return el.getAttribute("aria-label") ?? el.textContent;
      });
    assert.equal(await focused(), "Make Bob co-host");
    await alice.page.keyboard.press("ArrowDown");
    assert.equal(await focused(), "Make Bob the host (you stay as a member)");
    await alice.page.keyboard.press("End");
    assert.equal(await focused(), "Remove and block Bob");
    await alice.page.keyboard.press("ArrowDown");
    assert.equal(await focused(), "Make Bob co-host", "the arrows wrap around");
    await expectAccessible(alice.page, "a person's menu in the People panel");
    await alice.page.keyboard.press("Escape");
    await menu.waitFor({ state: "detached" });
    assert.equal(await focused(), "More actions for Bob");
    await alice.page.getByRole("heading", { name: /^People/ }).waitFor();

    // Bob raises his hand; Alice lowers it for everyone.
    await bob.page.getByRole("button", { name: "Raise hand" }).click();
    await tile(carol.page, "Bob").getByText("raised").waitFor();
    await row.getByText("Hand raised").waitFor();
    await row.getByRole("button", { name: "Lower Bob’s hand" }).click();
    await bob.page.getByRole("button", { name: "Raise hand" }).waitFor();
    await bob.page
      .locator("[aria-live=polite]")
      .filter({ hasText: "A host lowered your hand" })
      .waitFor({ state: "attached" });
    for (const page of [alice.page, carol.page]) {
      await waitFor(
        "Bob's hand down",
        async () => (await tile(page, "Bob").getByText("raised").count()) === 0,
      );
    }
    // Carol is no host: her word cannot lower Alice's hand (checked by every engine).
    assert.equal(
      await carol.page.getByRole("button", { name: /Lower .* hand/ }).count(),
      0,
      "no Lower hand control for a member",
    );

    // Remove asks first; Cancel keeps Bob.
    await more.click();
    await alice.page.getByRole("menuitem", { name: "Remove Bob", exact: true }).click();
    const dialog = alice.page.getByRole("alertdialog", { name: "Remove Bob from the meeting?" });
    await dialog.waitFor();
    await expectAccessible(alice.page, "the Remove confirmation");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    assert.equal(await tile(alice.page, "Bob").count(), 1, "Cancel removes nobody");

    await more.click();
    await alice.page.getByRole("menuitem", { name: "Remove Bob", exact: true }).click();
    await dialog.getByRole("button", { name: "Remove", exact: true }).click();
    await bob.page.getByText("Alice removed you from the meeting").waitFor({ timeout: 20_000 });
    await alice.page
      .locator(".notices .notice")
      .filter({ hasText: "Bob was removed from the meeting" })
      .waitFor({ timeout: 20_000 });
  });
});
