/**
 * Browser helpers for the e2e tests: Debian's Chromium through playwright-core, fake camera and
 * microphone, one fresh context per participant, and waiting on conditions with deadlines.
 */
import assert from "node:assert/strict";
import { after, afterEach, before } from "node:test";
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from "playwright-core";
import {
  OWN_MACHINE,
  type ServerProcess,
  startServer,
} from "../packages/server/test/start-server.ts";

export const CHROMIUM_ARGS = [
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--autoplay-policy=no-user-gesture-required",
];

export const DESKTOP = { width: 1280, height: 800 } as const;
export const PHONE = { width: 375, height: 812 } as const;

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

export interface Participant {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Console errors and page errors, to print when a test fails. */
  readonly errors: string[];
}

/** A fresh browser context (its own storage and devices) with one page. */
export async function newParticipant(
  browser: Browser,
  viewport: { width: number; height: number } = DESKTOP,
): Promise<Participant> {
  const context = await browser.newContext({
    viewport,
    // Dark is Conclave's default look; headless Chromium would otherwise report a light system.
    colorScheme: "dark",
    permissions: ["camera", "microphone", "clipboard-read", "clipboard-write"],
  });
  // Report Content-Security-Policy violations as console errors, so tests can refuse them.
  await context.addInitScript(() => {
    (globalThis as unknown as EventTarget).addEventListener("securitypolicyviolation", (event) => {
      const e = event as unknown as { violatedDirective: string; blockedURI: string };
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return { context, page, errors };
}

/**
 * Polls `check` until it returns something other than false/null/undefined, or fails after
 * `timeoutMs` with a message naming what was awaited.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | false | null | undefined>,
  timeoutMs = 15_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== false && value !== null && value !== undefined) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what} (last: ${String(last)})`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Opens a meeting link, enters a name and joins; resolves once the Leave button is shown. A join
 * that does not get there says what the page showed instead (a failure screen, the prejoin, a
 * knock), which a timeout alone does not.
 */
export async function joinMeeting(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.getByRole("textbox", { name: "Your name" }).fill(name);
  await page.getByRole("button", { name: "Join", exact: true }).click();
  try {
    await page.getByRole("button", { name: "Leave", exact: true }).waitFor({ timeout: 15_000 });
  } catch (error) {
    const shown = await page
      .locator("body")
      .innerText({ timeout: 2000 })
      .then((text) => text.replace(/\s+/g, " ").slice(0, 500))
      .catch((e: Error) => `(page unreadable: ${e.message})`);
    throw new Error(`${name} not in the meeting 15 s after Join; the page showed: ${shown}`, {
      cause: error,
    });
  }
}

/** The tile of a participant: a figure whose accessible name is exactly their display name. */
export function tile(page: Page, name: string): Locator {
  return page.getByRole("figure", { name, exact: true });
}

interface PlaybackQuality {
  getVideoPlaybackQuality(): { totalVideoFrames: number };
}

/** Frames the tile's video element has presented so far. */
export function videoFrames(page: Page, name: string): Promise<number> {
  return tile(page, name)
    .locator("video")
    .evaluate(
      (video) => (video as unknown as PlaybackQuality).getVideoPlaybackQuality().totalVideoFrames,
    );
}

/** Waits until the tile's video shows frames and keeps showing new ones; returns the two counts. */
export async function expectVideoFlowing(
  page: Page,
  name: string,
  timeoutMs = 20_000,
): Promise<{ first: number; later: number }> {
  const first = await waitFor(
    `video frames from ${name}`,
    async () => {
      const n = await videoFrames(page, name);
      return n > 0 ? n : false;
    },
    timeoutMs,
  );
  const later = await waitFor(
    `more video frames from ${name} (had ${first})`,
    async () => {
      const n = await videoFrames(page, name);
      return n > first ? n : false;
    },
    timeoutMs,
  );
  return { first, later };
}

/** The worker's SFrame totals, exposed for tests on the meeting element (`data-sframe`). */
export interface SframeTotals {
  encrypted: number;
  decrypted: number;
  dropped: Record<string, number>;
  refused: Record<string, number>;
  deferred: number;
}

export async function sframeTotals(page: Page): Promise<SframeTotals | null> {
  const raw = await page.locator(".meeting").getAttribute("data-sframe");
  return raw ? (JSON.parse(raw) as SframeTotals | null) : null;
}

/** Received frames dropped for any reason (never passed to a decoder). */
export function decryptFailures(totals: SframeTotals): number {
  return Object.values(totals.dropped).reduce((a, b) => a + b, 0);
}

/**
 * Waits until the page has opened `frames` more frames than `since` shows; returns its totals
 * then. A window measured in what arrived, not in time: a stall fails after `timeoutMs`.
 */
export async function decryptedMore(
  page: Page,
  since: SframeTotals,
  frames: number,
  timeoutMs = 20_000,
): Promise<SframeTotals> {
  return waitFor(
    `${frames} more decrypted frames (had ${since.decrypted})`,
    async () => {
      const now = await sframeTotals(page);
      return now && now.decrypted >= since.decrypted + frames ? now : null;
    },
    timeoutMs,
  );
}

/**
 * Waits until the page's dropped-frame counts stay still while `frames` more frames open: a join
 * or re-key window, which drops frames by design, is over. Returns the totals then.
 */
export async function settledSframe(
  page: Page,
  frames = 150,
  timeoutMs = 30_000,
): Promise<SframeTotals> {
  const deadline = Date.now() + timeoutMs;
  let before = await waitFor("SFrame counts on the page", () => sframeTotals(page));
  for (;;) {
    const now = await decryptedMore(page, before, frames, Math.max(deadline - Date.now(), 0));
    if (decryptFailures(now) === decryptFailures(before)) return now;
    before = now;
  }
}

/**
 * Checks `holds` again and again for `ms`, failing at once if it stops holding: for what must
 * stay true for a while (someone stays out of a locked meeting).
 */
export async function holdsFor(
  what: string,
  holds: () => Promise<boolean>,
  ms: number,
  intervalMs = 100,
): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    assert.ok(await holds(), `${what} stopped holding`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  assert.ok(await holds(), `${what} stopped holding`);
}

/** Waits until the stage's tiles keep their size and place from one animation frame to the next. */
export async function layoutSettled(page: Page, timeoutMs = 15_000): Promise<void> {
  const boxes = () =>
    page.locator(".tile-slot").evaluateAll((els) =>
      JSON.stringify(
        els.map((el) => {
          const r = el.getBoundingClientRect();
          return [r.x, r.y, r.width, r.height];
        }),
      ),
    );
  const nextFrame = () =>
    page.evaluate(
      () =>
        new Promise((r) =>
          (
            globalThis as unknown as { requestAnimationFrame(f: () => void): void }
          ).requestAnimationFrame(() => r(null)),
        ),
    );
  await waitFor(
    "the stage laid out",
    async () => {
      const before = await boxes();
      await nextFrame();
      return before === (await boxes());
    },
    timeoutMs,
  );
}

/** Opens the landing page, presses New meeting and returns the meeting link it made. */
export async function newMeetingLink(page: Page, serverUrl: string): Promise<string> {
  await page.goto(serverUrl);
  await page.getByRole("button", { name: "New meeting" }).click();
  await page.waitForURL(/\/m\/[A-Za-z0-9_-]{22}#[A-Za-z0-9_-]{43}$/);
  return page.url();
}

/**
 * A real server for browser tests: the browsers share its machine, so it runs at the priority of
 * a machine of its own (start-server.ts `OWN_MACHINE`).
 */
export function startServerBesideBrowsers(
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  return startServer(env, OWN_MACHINE);
}

/** What a browser test file shares: one server, one browser, and the pages of the running test. */
export interface BrowserSuite {
  readonly server: ServerProcess;
  readonly browser: Browser;
  /** A fresh participant for the running test, closed after it (its page errors printed). */
  participant(viewport?: { width: number; height: number }): Promise<Participant>;
}

/**
 * Registers the hooks of a browser test file: a real server and Debian's Chromium for the file,
 * the test's pages closed after each test, which fails if the app broke the server's CSP.
 */
export function browserSuite(env: Record<string, string> = {}): BrowserSuite {
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;
  let open: Participant[] = [];
  before(async () => {
    server = await startServerBesideBrowsers(env);
    browser = await launchBrowser();
  });
  afterEach(async () => {
    const pages = open;
    open = [];
    const violations = pages.flatMap((p) => p.errors.filter((e) => e.includes("CSP violation")));
    for (const p of pages) {
      // Refused connections are expected while a test's server is down.
      const errors = p.errors.filter((e) => !e.includes("ERR_CONNECTION_REFUSED"));
      if (errors.length > 0) console.log(errors.join("\n"));
      await p.context.close().catch(() => {});
    }
    assert.deepEqual(violations, [], "the app runs under the server's CSP without violations");
  });
  after(async () => {
    await browser?.close();
    const code = await server?.stop();
    assert.ok(code === 0 || code === null, `server exited with ${code}`);
  });
  return {
    get server() {
      if (!server) throw new Error("the server starts before the first test");
      return server;
    },
    get browser() {
      if (!browser) throw new Error("the browser starts before the first test");
      return browser;
    },
    async participant(viewport = DESKTOP) {
      if (!browser) throw new Error("the browser starts before the first test");
      const p = await newParticipant(browser, viewport);
      open.push(p);
      return p;
    },
  };
}

/** Waits until the page is a member of the meeting's encrypted group. */
export async function inGroup(page: Page, who: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `${who} in the encrypted group`,
    async () => (await page.locator(".meeting").getAttribute("data-e2ee-status")) === "member",
    timeoutMs,
  );
}

/** Makes a new meeting and joins it as its host, in the group; returns the meeting link. */
export async function hostMeeting(suite: BrowserSuite, page: Page, name: string): Promise<string> {
  const link = await newMeetingLink(page, suite.server.url);
  await joinMeeting(page, link, name);
  await inGroup(page, name);
  return link;
}

/** The text on the page's clipboard (the context is granted clipboard-read). */
export function clipboardText(page: Page): Promise<string> {
  return page.evaluate(() =>
    (
      globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
    ).navigator.clipboard.readText(),
  );
}
