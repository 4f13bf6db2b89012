/**
 * Who gets into a meeting, in Chromium against the real server: a wrong secret, knocks a host
 * admits or denies, a locked meeting, removal, and remove and block (docs/protocol.md "Lobby",
 * "Removal"; docs/e2ee.md "Admission").
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
  holdsFor,
  joinMeeting,
  newMeetingLink,
  type Participant,
  PHONE,
  tile,
  videoFrames,
  waitFor,
} from "./browser.ts";
import { menuAction, removeMember } from "./people-panel.ts";

const SCREENSHOTS = fileURLToPath(new URL("../test-results/screenshots/", import.meta.url));
mkdirSync(SCREENSHOTS, { recursive: true });

const suite = browserSuite();

/** Makes a new meeting and joins it as its host; returns the invite link. */
async function host(p: Participant, name: string): Promise<string> {
  const link = await newMeetingLink(p.page, suite.server.url);
  await joinMeeting(p.page, link, name);
  await waitFor(
    "the host in the encrypted group",
    async () => (await e2eeStatus(p.page)) === "member",
  );
  return link;
}

function e2eeStatus(page: Page): Promise<string | null> {
  return page.locator(".meeting").getAttribute("data-e2ee-status");
}

/**
 * The guest link the host copies (a knock link pinning the host): from the header, or on a phone
 * from the invite prompt its Invite button opens.
 */
async function guestLink(page: Page): Promise<string> {
  const header = page.getByRole("button", { name: "Copy guest link (they ask to join)" });
  if (await header.isVisible()) await header.click();
  else {
    const copy = page.getByRole("button", { name: "Copy guest link", exact: true });
    if (!(await copy.isVisible()))
      await page.getByRole("button", { name: "Invite", exact: true }).click();
    await copy.click();
  }
  return waitFor("the guest link on the clipboard", async () => {
    const text = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    return /#k=[0-9a-f]{64}$/.test(text) ? text : false;
  });
}

/** Opens a knock link and asks to join; resolves once the page says it waits for a host. */
async function knock(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.getByRole("textbox", { name: "Your name" }).fill(name);
  await page.getByRole("button", { name: "Ask to join" }).click();
  await page.getByText("Waiting for a host to let you in").first().waitFor({ timeout: 15_000 });
}

/** Names in the MLS roster as the People panel shows them (the panel must be open). */
async function roster(page: Page): Promise<string[]> {
  return page.locator(".people-list .person-name").allTextContents();
}

async function openPeople(page: Page): Promise<void> {
  const button = page.getByRole("button", { name: "People", exact: true });
  if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
  await page.getByRole("heading", { name: /^People/ }).waitFor();
}

describe("admission in Chromium", () => {
  test("a wrong secret is refused; a knock waits in the lobby until a host admits it, and Deny keeps another out", async () => {
    const alice = await suite.participant();
    const link = await host(alice, "Alice");

    // Same room id, another fragment: the page refuses it before anything reaches the server.
    const eve = await suite.participant();
    const roomPath = new URL(link).pathname;
    await eve.page.goto(`${suite.server.url}${roomPath}#${"A".repeat(43)}`);
    await eve.page.getByRole("heading", { name: "This meeting link is incomplete" }).waitFor();
    await eve.context.close();

    const knockUrl = await guestLink(alice.page);
    assert.ok(knockUrl.startsWith(`${suite.server.url}${roomPath}#k=`), knockUrl);

    const kim = await suite.participant();
    await kim.page.goto(knockUrl);
    await kim.page.getByRole("button", { name: "Ask to join" }).waitFor();
    await expectAccessible(kim.page, "axe on the knock screen");
    await kim.page.screenshot({ path: `${SCREENSHOTS}knock-desktop.png` });
    await knock(kim.page, knockUrl, "Kim");
    await kim.page.screenshot({ path: `${SCREENSHOTS}knock-waiting-desktop.png` });

    // The host sees a card with the claimed name, marked not verified, and the device fingerprint.
    const admit = alice.page.getByRole("button", { name: "Admit Kim", exact: true });
    await admit.waitFor();
    const card = alice.page.getByRole("article", { name: /Kim/ });
    await card.getByText("not verified").waitFor();
    await waitFor("the knock's fingerprint", async () =>
      /[0-9a-f]{4}( [0-9a-f]{4}){15}/.test((await card.textContent()) ?? ""),
    );
    await alice.page.getByRole("button", { name: "Deny Kim", exact: true }).waitFor();
    await alice.page.screenshot({ path: `${SCREENSHOTS}knock-card-desktop.png` });

    // Waiting, the knock sees nobody and is in nobody's roster.
    await openPeople(alice.page);
    assert.deepEqual(await roster(alice.page), ["Alice (you)"]);
    assert.equal(await kim.page.getByRole("figure").count(), 0, "a knock sees no tiles");

    // Another knock is denied: its page says so, and it never enters.
    const mal = await suite.participant();
    await knock(mal.page, knockUrl, "Mal");
    await alice.page.getByRole("button", { name: "Deny Mal", exact: true }).click();
    await mal.page.getByText("A host declined your request to join").waitFor();
    await alice.page
      .getByRole("button", { name: "Admit Mal", exact: true })
      .waitFor({ state: "detached" });

    await admit.click();
    await expectVideoFlowing(kim.page, "Alice", 30_000);
    await expectVideoFlowing(alice.page, "Kim", 30_000);
    await waitFor("Kim in Alice's roster", async () => (await roster(alice.page)).includes("Kim"));
    await admit.waitFor({ state: "detached" });
    assert.deepEqual(await roster(alice.page), ["Alice (you)", "Kim"].sort(byYouFirst));
    assert.equal(
      await mal.page.getByText("A host declined your request to join").count(),
      1,
      "the denied knock is still out",
    );
    await alice.page.screenshot({ path: `${SCREENSHOTS}participants-panel-desktop.png` });
  });

  test("at 375 px: knock screen, waiting screen, the host's card and the People panel", async () => {
    const alice = await suite.participant(PHONE);
    await host(alice, "Alice");
    const knockUrl = await guestLink(alice.page);
    const kim = await suite.participant(PHONE);
    await kim.page.goto(knockUrl);
    await kim.page.getByRole("button", { name: "Ask to join" }).waitFor();
    await expectAccessible(kim.page, "axe on the knock screen at 375 px");
    await kim.page.screenshot({ path: `${SCREENSHOTS}knock-375.png`, fullPage: true });
    await knock(kim.page, knockUrl, "Kim");
    await expectAccessible(kim.page, "axe on the waiting screen at 375 px");
    await kim.page.screenshot({ path: `${SCREENSHOTS}knock-waiting-375.png` });
    await alice.page.getByRole("button", { name: "Admit Kim", exact: true }).waitFor();
    await alice.page.screenshot({ path: `${SCREENSHOTS}knock-card-375.png` });
    await openPeople(alice.page);
    await expectAccessible(alice.page, "axe on the People panel at 375 px");
    await alice.page.screenshot({ path: `${SCREENSHOTS}participants-panel-375.png` });
  });

  test("Lock meeting keeps out a holder of the secret, who is told so; unlocking lets them in; a mandatory lobby shows their name to the host", async () => {
    const alice = await suite.participant();
    const link = await host(alice, "Alice");
    await openPeople(alice.page);
    const lock = alice.page.getByRole("checkbox", { name: "Lock meeting", exact: true });
    await lock.check();
    // The lock is a commit: wait until the group context says so (the box follows the roles).
    await waitFor("the meeting locked", async () => (await lock.isChecked()) === true);

    const bob = await suite.participant();
    await joinMeeting(bob.page, link, "Bob");
    await bob.page.getByText("The meeting is locked").waitFor();
    // Locked is a lasting state: Bob stays out all along, not only at one moment.
    await holdsFor(
      "Bob kept out of the locked meeting",
      async () =>
        (await roster(alice.page)).length === 1 && (await e2eeStatus(bob.page)) !== "member",
      3000,
    );
    assert.deepEqual(await roster(alice.page), ["Alice (you)"], "Bob stays out while locked");
    assert.notEqual(await e2eeStatus(bob.page), "member");
    assert.equal(await videoFrames(bob.page, "Alice").catch(() => 0), 0);

    await lock.uncheck();
    await waitFor(
      "Bob in Alice's roster",
      async () => (await roster(alice.page)).includes("Bob"),
      30_000,
    );
    await expectVideoFlowing(bob.page, "Alice", 30_000);
    // With everyone asked to wait for a host, a holder of the secret waits too; the host's card
    // names them (sealed to the holders of the secret, so the server never read it).
    const wait = alice.page.getByRole("checkbox", { name: "Ask everyone to wait for a host" });
    await wait.check();
    await waitFor("the lobby mandatory", async () => (await wait.isChecked()) === true);
    const dana = await suite.participant();
    await joinMeeting(dana.page, link, "Dana");
    const card = alice.page.getByRole("article", { name: /Dana/ });
    await card.getByText("not verified").waitFor({ timeout: 15_000 });
    await alice.page.getByRole("button", { name: "Admit Dana", exact: true }).click();
    await waitFor("Dana in Alice's roster", async () =>
      (await roster(alice.page)).includes("Dana"),
    );
    await expectVideoFlowing(dana.page, "Alice", 30_000);
  });

  test("Remove NAME stops the removed page; after Remove and block the old link only asks to join", async () => {
    const alice = await suite.participant();
    const link = await host(alice, "Alice");
    const bob = await suite.participant();
    const carol = await suite.participant();
    await joinMeeting(bob.page, link, "Bob");
    await joinMeeting(carol.page, link, "Carol");
    await expectVideoFlowing(carol.page, "Bob", 30_000);
    await expectVideoFlowing(alice.page, "Bob", 30_000);

    await openPeople(alice.page);
    await removeMember(alice.page, "Bob");
    await bob.page.getByText("Alice removed you from the meeting").waitFor({ timeout: 20_000 });
    await tile(alice.page, "Bob").waitFor({ state: "detached", timeout: 15_000 });
    await tile(carol.page, "Bob").waitFor({ state: "detached", timeout: 15_000 });
    // Bob's page holds no live camera or microphone any more.
    assert.equal(await bob.page.locator("video").count(), 0);
    await waitFor(
      "Bob out of Alice's roster",
      async () => !(await roster(alice.page)).includes("Bob"),
    );

    // Remove and block Carol: a confirm dialog; the meeting's link is replaced, and her old link
    // only lets her ask to join.
    const oldFragment = new URL(link).hash;
    await menuAction(alice.page, "Carol", "Remove and block Carol");
    const dialog = alice.page.getByRole("alertdialog");
    await dialog.getByText("ask to join").waitFor();
    await dialog.getByRole("button", { name: "Remove and block" }).click();
    await carol.page.getByText("Alice removed you from the meeting").waitFor({ timeout: 20_000 });
    await tile(alice.page, "Carol").waitFor({ state: "detached", timeout: 15_000 });
    const newLink = await waitFor("the new link in Alice's address bar", async () => {
      const href = alice.page.url();
      return new URL(href).hash !== oldFragment && href;
    });
    assert.match(new URL(newLink).hash, /^#[\w-]{43}\.[\w-]{43}$/);
    assert.ok(!newLink.includes(oldFragment.slice(1)), "the old secret is gone from the link");
    await alice.page.getByText("The meeting link was replaced").first().waitFor();

    await carol.page.goto("about:blank");
    await carol.page.goto(link);
    await carol.page.getByRole("textbox", { name: "Your name" }).fill("Carol");
    await carol.page.getByRole("button", { name: "Join", exact: true }).click();
    await carol.page
      .getByText("The hosts replaced this meeting’s link")
      .waitFor({ timeout: 15_000 });
    await carol.page.screenshot({ path: `${SCREENSHOTS}link-replaced-desktop.png` });
    await carol.page.getByRole("button", { name: "Ask to join" }).click();
    await carol.page.getByRole("textbox", { name: "Your name" }).fill("Carol");
    await carol.page.getByRole("button", { name: "Ask to join" }).click();
    await carol.page
      .getByText("Waiting for a host to let you in")
      .first()
      .waitFor({ timeout: 20_000 });
    assert.ok(!(await roster(alice.page)).includes("Carol"), "Carol stays out");
    assert.equal(await carol.page.getByRole("figure").count(), 0, "a knock sees no tiles");
    // The host sees her knock, marked as a claim.
    await alice.page.getByRole("button", { name: "Admit Carol", exact: true }).waitFor();

    // Someone given the new link joins straight in.
    const dave = await suite.participant();
    await joinMeeting(dave.page, newLink, "Dave");
    await expectVideoFlowing(dave.page, "Alice", 30_000);
    await waitFor("Dave in Alice's roster", async () =>
      (await roster(alice.page)).includes("Dave"),
    );
  });

  test("a knocker who presses Ask to join while the camera is still starting is admitted, and sends video once in", async () => {
    const alice = await suite.participant();
    await host(alice, "Alice");
    const knockUrl = await guestLink(alice.page);

    const quinn = await suite.participant();
    // A camera that takes 2 s to start, as a real one may: whatever it does happens in the lobby.
    await quinn.context.addInitScript(() => {
      const devices = (
        globalThis as unknown as {
          navigator: { mediaDevices: { getUserMedia(c: unknown): Promise<unknown> } };
        }
      ).navigator.mediaDevices;
      const start = devices.getUserMedia.bind(devices);
      devices.getUserMedia = (constraints) =>
        new Promise((resolve) => setTimeout(resolve, 2000)).then(() => start(constraints));
    });
    await quinn.page.goto(knockUrl);
    await quinn.page.getByRole("textbox", { name: "Your name" }).fill("Quinn");
    await quinn.page.getByRole("button", { name: "Ask to join" }).click();

    const admit = alice.page.getByRole("button", { name: "Admit Quinn", exact: true });
    await waitFor("Admit Quinn enabled (Quinn's KeyPackage arrived)", () => admit.isEnabled());
    assert.equal(
      (await quinn.page.getByText("Waiting for a host to let you in").count()) > 0,
      true,
      "Quinn still waits, with the camera on by now",
    );
    await admit.click();
    await quinn.page.getByRole("button", { name: "Leave", exact: true }).waitFor();
    await expectVideoFlowing(alice.page, "Quinn", 30_000);
    await expectVideoFlowing(quinn.page, "Alice", 30_000);
  });
});

function byYouFirst(a: string, b: string): number {
  return a.endsWith("(you)") ? -1 : b.endsWith("(you)") ? 1 : a.localeCompare(b);
}
