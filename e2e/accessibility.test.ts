import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { after, afterEach, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { type ServerProcess, startServer } from "../packages/server/test/start-server.ts";
import {
  DESKTOP,
  joinMeeting,
  launchBrowser,
  newParticipant,
  type Participant,
  PHONE,
  tile,
  waitFor,
} from "./browser.ts";

// axe-core (pinned in e2e/package.json) checks each screen as rendered in Chromium. It is
// evaluated through the DevTools protocol, so the page's strict CSP stays as it is.
const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Violations axe rates serious or critical on the page as it is now. */
async function seriousViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run()).violations as Violation[];
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

async function expectAccessible(page: Page, screen: string): Promise<void> {
  const found = await seriousViolations(page);
  const report = found.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ""}`).join("\n"),
  );
  assert.deepEqual(report, [], `axe on ${screen}`);
  console.log(`axe: no serious or critical violation on ${screen}`);
}

let server: ServerProcess;
let browser: Browser;
let open: Participant[] = [];

async function participant(
  viewport: { width: number; height: number } = DESKTOP,
): Promise<Participant> {
  const p = await newParticipant(browser, viewport);
  open.push(p);
  return p;
}

describe("accessibility (axe-core) in Chromium", () => {
  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });

  afterEach(async () => {
    for (const p of open) {
      if (p.errors.length > 0) console.log(p.errors.join("\n"));
      await p.context.close().catch(() => {});
    }
    open = [];
  });

  after(async () => {
    await browser?.close();
    const code = await server?.stop();
    assert.ok(code === 0 || code === null, `server exited with ${code}`);
  });

  for (const [label, viewport] of [
    ["desktop", DESKTOP],
    ["375 px", PHONE],
  ] as const) {
    test(`landing, prejoin and meeting screens have no serious or critical violations (${label})`, async () => {
      const ada = await participant(viewport);
      await ada.page.goto(server.url);
      await ada.page.getByRole("button", { name: "New meeting" }).waitFor();
      await expectAccessible(ada.page, `landing (${label})`);

      await ada.page.getByRole("button", { name: "New meeting" }).click();
      await ada.page.getByRole("textbox", { name: "Your name" }).waitFor();
      await waitFor("the camera preview", () =>
        ada.page
          .locator(".preview video")
          .evaluate((v) => (v as unknown as { videoWidth: number }).videoWidth > 0),
      );
      await expectAccessible(ada.page, `prejoin (${label})`);
      const link = ada.page.url();

      await joinMeeting(ada.page, link, "Ada");
      const ben = await participant(viewport);
      await joinMeeting(ben.page, link, "Ben");
      await tile(ada.page, "Ben").waitFor({ timeout: 30_000 });
      await expectAccessible(ada.page, `meeting (${label})`);

      // With everything the meeting can show at once: chat with a link, a raised hand, a
      // reaction, a recording banner, the reaction picker, then the shortcuts dialog.
      await ben.page.getByRole("button", { name: "Raise hand" }).click();
      await ben.page.getByRole("button", { name: "Record" }).click();
      await ben.page.getByRole("button", { name: "Chat", exact: true }).click();
      const box = ben.page.getByRole("textbox", { name: "Message" });
      await box.fill("agenda: https://example.org/agenda");
      await box.press("Enter");
      await ada.page.getByRole("button", { name: "Chat", exact: true }).click();
      await ada.page.getByRole("list", { name: "Messages" }).getByRole("link").waitFor();
      await tile(ada.page, "Ben").getByText("raised").waitFor();
      await ada.page.getByText("Ben is recording").waitFor();
      await ada.page.getByRole("button", { name: "React" }).click();
      await ada.page.getByRole("button", { name: "Thumbs up" }).click();
      await expectAccessible(ada.page, `meeting with chat, hands, reactions, recording (${label})`);
      await ada.page.getByRole("button", { name: "Keyboard shortcuts" }).click();
      await ada.page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
      await expectAccessible(ada.page, `keyboard shortcuts dialog (${label})`);
    });
  }
});
