/**
 * Alarms in Chromium against the real server with its test-only attacks switched on (docs/e2ee.md
 * "Alarms", "The hostile-server harness"): a participant the server lists who never joins the group
 * and a Remove the server withholds each put a `role="alert"` banner on the page of the person they
 * concern; the same flows against an honest server put none, not even for the member removed.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ParticipantId, parseServerMessage, type ServerMessage } from "@conclave/protocol";
import type { Page } from "playwright-core";
import { attackCount } from "../packages/server/test/hostile/hostile-server.ts";
import {
  type BrowserSuite,
  browserSuite,
  joinMeeting,
  newMeetingLink,
  type Participant,
  tile,
  waitFor,
} from "./browser.ts";
import { menuAction, removeMember } from "./people-panel.ts";

/** The engine's grace before a listed participant without a leaf of its own is unknown. */
const UNKNOWN_GRACE_MS = 10_000;
/** When the unknown-participant banner must be up by, on a loaded machine. */
const UNKNOWN_DEADLINE_MS = UNKNOWN_GRACE_MS + 5_000;
/** How long to watch for an unknown-participant banner that must not come. */
const PAST_GRACE_MS = UNKNOWN_GRACE_MS + 2_000;
/** The committer's alarm comes 2 s after a commit with no answer; a loaded machine adds some. */
const WITHHELD_DEADLINE_MS = 8_000;

/** Test-only attacks need both variables; the server refuses ATTACKS alone. */
function hostile(attack: string): Record<string, string> {
  return { ATTACKS: attack, HOSTILE_SERVER_TEST: "1" };
}

/** Alarm banners on a page: ui/security-alarms.tsx and verification.tsx's key-changed warning. */
function alarmBanners(page: Page, kind?: string) {
  return page
    .getByRole("alert")
    .and(page.locator(kind ? `[data-alarm="${kind}"]` : "[data-alarm]"));
}

/** How a banner names a participant id: its first 8 characters (call/security-alarms.ts). */
const shortId = (id: string) => id.slice(0, 8);

function unknownText(id: string): string {
  return `The server lists a participant (${shortId(id)}) who has not joined the encrypted group`;
}

/** Every message the server sends this page over its WebSockets, with when it arrived. */
function serverMessages(page: Page): Array<{ at: number; message: ServerMessage }> {
  const received: Array<{ at: number; message: ServerMessage }> = [];
  page.on("websocket", (socket) => {
    socket.on("framereceived", ({ payload }) => {
      if (typeof payload !== "string") return;
      try {
        received.push({ at: Date.now(), message: parseServerMessage(payload) });
      } catch {
        // Not a protocol message: nothing to learn from it here.
      }
    });
  });
  return received;
}

function welcomes(received: ReadonlyArray<{ at: number; message: ServerMessage }>) {
  return received.flatMap(({ at, message }) =>
    message.type === "welcome" ? [{ at, welcome: message }] : [],
  );
}

/**
 * Records the text of every alarm banner the pages show from now until `stop` (or until every page
 * is closed, as after a failed test), so one that comes and goes between two steps is still seen.
 */
function watchAlarms(pages: Readonly<Record<string, Page>>): { stop(): Promise<string[]> } {
  const seen = new Set<string>();
  let running = true;
  const loop = (async () => {
    while (running && Object.values(pages).some((page) => !page.isClosed())) {
      for (const [who, page] of Object.entries(pages)) {
        if (page.isClosed()) continue;
        const texts = await alarmBanners(page)
          .allTextContents()
          .catch(() => []);
        for (const text of texts) seen.add(`${who}: ${text}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return [...seen];
    },
  };
}

/** Waits until `ms` from now: for a test that must outlast a deadline the app itself keeps. */
function outlast(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(ms, 0)));
}

async function inGroup(page: Page, who: string): Promise<void> {
  await waitFor(`${who} in the encrypted group`, async () => {
    return (await page.locator(".meeting").getAttribute("data-e2ee-status")) === "member";
  });
}

/** Makes a new meeting and joins it as its host; returns the invite link. */
async function host(suite: BrowserSuite, p: Participant, name: string): Promise<string> {
  const link = await newMeetingLink(p.page, suite.server.url);
  await joinMeeting(p.page, link, name);
  await inGroup(p.page, name);
  return link;
}

async function openPeople(page: Page): Promise<void> {
  const button = page.getByRole("button", { name: "People", exact: true });
  if ((await button.getAttribute("aria-expanded")) !== "true") await button.click();
  await page.getByRole("heading", { name: /^People/ }).waitFor();
}

/** The group's epoch as the page's worker holds it (`data-group` on the meeting). */
async function epoch(page: Page): Promise<bigint | null> {
  const raw = await page.locator(".meeting").getAttribute("data-group");
  const group = raw ? (JSON.parse(raw) as { epoch: string | null }) : null;
  return group?.epoch == null ? null : BigInt(group.epoch);
}

describe("alarms in Chromium", () => {
  describe("phantom-participant: the server lists someone who never joins the group", () => {
    const suite = browserSuite(hostile("phantom-participant"));

    test("the page names the phantom in an alert banner after the 10 s grace, and never a real joiner", async () => {
      const alice = await suite.participant();
      const aliceHeard = serverMessages(alice.page);
      await host(suite, alice, "Alice");
      const first = await waitFor("Alice's welcome", async () => welcomes(aliceHeard)[0]);
      // Alice made the meeting: everyone else her welcome lists is the server's invention.
      const [phantom, ...others] = first.welcome.participants;
      assert.ok(phantom, "the welcome lists a phantom");
      assert.deepEqual(others, [], "nobody else is in the meeting");
      assert.equal(phantom.leaf, null, "the phantom holds no leaf");
      assert.ok(attackCount(suite.server, "phantom-participant") > 0, "no phantom was announced");

      const banner = alarmBanners(alice.page, "unknown-participant").filter({
        hasText: unknownText(phantom.id),
      });
      await banner.waitFor({ timeout: UNKNOWN_DEADLINE_MS });
      const after = Date.now() - first.at;
      assert.ok(after >= 9_000, `the banner came ${after} ms after the welcome, before the grace`);
      assert.match((await banner.textContent()) ?? "", /Compare the security code/);
      // Its tile, unnamed, says it is not in the group.
      await alice.page.getByText("Not in the encrypted group yet").waitFor();

      // Bob is real: his own page raises the alarm for the phantom in his welcome, and Alice's
      // page never names him, though the server announced him to her more than 10 s ago.
      const aliceAlarms = watchAlarms({ Alice: alice.page });
      const bob = await suite.participant();
      const bobHeard = serverMessages(bob.page);
      await joinMeeting(bob.page, alice.page.url(), "Bob");
      const bobWelcome = await waitFor("Bob's welcome", async () => welcomes(bobHeard)[0]);
      const bobId: ParticipantId = bobWelcome.welcome.selfId;
      const bobPhantom = bobWelcome.welcome.participants.find((p) => p.leaf === null);
      assert.ok(bobPhantom, "Bob's welcome lists a phantom too");
      assert.notEqual(bobPhantom.id, phantom.id, "each welcome invents its own");
      await alarmBanners(bob.page, "unknown-participant")
        .filter({ hasText: unknownText(bobPhantom.id) })
        .waitFor({ timeout: UNKNOWN_DEADLINE_MS });
      const announced = aliceHeard.find(
        ({ message }) => message.type === "participant-joined" && message.participant.id === bobId,
      );
      assert.ok(announced, "the server announced Bob to Alice");
      await outlast(announced.at + PAST_GRACE_MS - Date.now());
      const seen = await aliceAlarms.stop();
      assert.deepEqual(
        seen.filter((text) => text.includes(shortId(bobId))),
        [],
        "Alice's page never names Bob as unknown",
      );
      assert.equal(await alarmBanners(alice.page, "unknown-participant").count(), 1);
      assert.ok(await banner.isVisible(), "the phantom is still named");
    });
  });

  describe("withhold-remove: the server drops the commit that removes a member", () => {
    const suite = browserSuite(hostile("withhold-remove"));

    test("a host's Remove NAME that the server withholds raises the withheld-commit banner at the host", async () => {
      const alice = await suite.participant();
      const link = await host(suite, alice, "Alice");
      const bob = await suite.participant();
      await joinMeeting(bob.page, link, "Bob");
      await inGroup(bob.page, "Bob");
      await openPeople(alice.page);
      await menuAction(alice.page, "Bob", "Remove Bob");
      const confirm = alice.page
        .getByRole("alertdialog", { name: "Remove Bob from the meeting?" })
        .getByRole("button", { name: "Remove", exact: true });
      await confirm.waitFor();
      assert.equal(await alarmBanners(alice.page).count(), 0, "no alarm before the Remove");

      const clicked = Date.now();
      await confirm.click();
      const banner = alarmBanners(alice.page, "withheld-commit");
      await banner.waitFor({ timeout: WITHHELD_DEADLINE_MS });
      const after = Date.now() - clicked;
      assert.ok(attackCount(suite.server, "withhold-remove") > 0, "the server withheld no Remove");
      assert.match(
        (await banner.textContent()) ?? "",
        /did not deliver your last change to the group within 2 s.*someone removed may still receive the meeting/,
      );
      assert.ok(after >= 1_900, `the banner came ${after} ms after the click, before the 2 s`);

      // Not preventable, only visible: Bob is still in the call and the group.
      assert.equal(await tile(alice.page, "Bob").count(), 1, "Bob's tile is still on Alice's page");
      assert.equal(await bob.page.getByText(/removed (you )?from the meeting/).count(), 0);
      await bob.page.getByRole("button", { name: "Leave", exact: true }).waitFor();
    });
  });

  describe("an honest server", () => {
    const suite = browserSuite();

    test("joiners, Remove NAME and the removed member raise no alarm banner on any page", async () => {
      const alice = await suite.participant();
      const link = await host(suite, alice, "Alice");
      const bob = await suite.participant();
      const carol = await suite.participant();
      const alarms = watchAlarms({ Alice: alice.page, Bob: bob.page, Carol: carol.page });
      await joinMeeting(bob.page, link, "Bob");
      await joinMeeting(carol.page, link, "Carol");
      const joined = Date.now();
      await inGroup(bob.page, "Bob");
      await inGroup(carol.page, "Carol");

      await openPeople(alice.page);
      const before = await epoch(alice.page);
      assert.ok(before !== null);
      const clicked = Date.now();
      await removeMember(alice.page, "Bob");
      await bob.page.getByText("Alice removed you from the meeting").waitFor({ timeout: 20_000 });
      const removed = Date.now();
      await waitFor("Alice's group past the Remove", async () => {
        const now = await epoch(alice.page);
        return now !== null && now > before;
      });
      await tile(carol.page, "Bob").waitFor({ state: "detached" });
      // Past the committer's 2 s, and the 10 s grace of every joiner and of Bob, who is gone.
      await outlast(
        Math.max(clicked + 3_000, joined + PAST_GRACE_MS, removed + PAST_GRACE_MS) - Date.now(),
      );
      assert.deepEqual(
        await alarms.stop(),
        [],
        "no alarm banner on Alice's, Bob's or Carol's page",
      );
    });
  });
});
