/**
 * Debian's Firefox ESR for the browser tests, driven over WebDriver BiDi by puppeteer-core (no
 * browser download). Fake camera and microphone come from Firefox's own prefs. Firefox runs on a
 * virtual X display (Xvfb) rather than `--headless`: headless Firefox has no screen to capture, so
 * `getDisplayMedia` fails with NotFoundError; on the virtual display it captures that display.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import puppeteer, { type Browser, type Locator, type Page } from "puppeteer-core";

export const FIREFOX_PREFS = {
  "media.navigator.streams.fake": true,
  "media.navigator.permission.disabled": true,
  "media.autoplay.default": 0,
  "media.autoplay.blocking_policy": 0,
  "media.getusermedia.audio.capture.enabled": true,
  "dom.webnotifications.enabled": false,
  "browser.shell.checkDefaultBrowser": false,
  // Dark, Conclave's default look, as the Chromium tests ask for; no picture-in-picture overlay.
  "layout.css.prefers-color-scheme.content-override": 0,
  "media.videocontrols.picture-in-picture.video-toggle.enabled": false,
};

/** An X server of our own on a free display number; closed with the browser. */
async function virtualDisplay(): Promise<{ display: string; process: ChildProcess }> {
  const xvfb = spawn(
    "Xvfb",
    ["-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
    {
      stdio: ["ignore", "pipe", "ignore"],
    },
  );
  const [chunk] = (await Promise.race([
    once(xvfb.stdout as NodeJS.ReadableStream, "data"),
    once(xvfb, "exit").then(() => {
      throw new Error("Xvfb did not start (scripts/install-test-deps.sh installs it)");
    }),
  ])) as [Buffer];
  return { display: `:${chunk.toString().trim()}`, process: xvfb };
}

export interface FirefoxBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchFirefox(): Promise<FirefoxBrowser> {
  const x = await virtualDisplay();
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: "/usr/bin/firefox-esr",
    headless: false,
    env: { ...process.env, DISPLAY: x.display },
    extraPrefsFirefox: FIREFOX_PREFS,
    defaultViewport: { width: 1280, height: 800 },
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => {});
      x.process.kill();
    },
  };
}

export interface FirefoxParticipant {
  readonly page: Page;
  /** Page errors and console errors, to print when a test fails. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** A fresh user context (its own storage) with one page. */
export async function firefoxParticipant(firefox: FirefoxBrowser): Promise<FirefoxParticipant> {
  const context = await firefox.browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(`pageerror: ${String(e)}`));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  return { page, errors, close: () => context.close().catch(() => {}) };
}

/**
 * A button or text box by its exact visible name (its text, `aria-label` or `<label>`). An XPath,
 * not puppeteer's ARIA query: Firefox's accessibility tree lags behind DOM changes, so ARIA queries
 * miss elements that were just rendered.
 */
export function byRole(page: Page, role: "button" | "textbox", name: string): Locator<unknown> {
  const n = JSON.stringify(name);
  const xpath =
    role === "button"
      ? `//button[normalize-space(.)=${n} or @aria-label=${n}]`
      : `//*[(self::input or self::textarea) and (@aria-label=${n} or @id=//label[normalize-space(.)=${n}]/@for)]`;
  return page.locator(`::-p-xpath(${xpath})`);
}

/** Opens a meeting link, enters a name and joins; resolves once the Leave button is shown. */
export async function joinInFirefox(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await byRole(page, "textbox", "Your name").fill(name);
  await byRole(page, "button", "Join").click();
  await byRole(page, "button", "Leave").setTimeout(15_000).wait();
}

/**
 * Frames the tile's video presents within `ms`, counted with requestVideoFrameCallback: Firefox's
 * getVideoPlaybackQuality() stays 0 for a MediaStream.
 */
export function presentedFrames(page: Page, name: string, ms = 1500): Promise<number> {
  // A string, not a function: tsx would wrap the function's inner names in a helper the page
  // does not have.
  return page.evaluate(`new Promise((resolve) => {
    const video = document.querySelector(${JSON.stringify(`figure[aria-label=${JSON.stringify(name)}] video`)});
    if (!video) return resolve(0);
    let frames = 0;
    const tick = () => { frames++; video.requestVideoFrameCallback(tick); };
    video.requestVideoFrameCallback(tick);
    setTimeout(() => resolve(frames), ${ms});
  })`) as Promise<number>;
}
