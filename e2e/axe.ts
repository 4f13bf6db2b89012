/**
 * axe-core (pinned in e2e/package.json) checks a screen as rendered in Chromium. It is evaluated
 * through the DevTools protocol, so the page's strict CSP stays as it is.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";

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

interface Animated {
  getAnimations(): {
    finished: Promise<unknown>;
    effect: { getComputedTiming(): { iterations?: number } } | null;
  }[];
}

/**
 * Violations axe rates serious or critical on the page as it is now, once what fades in has: a
 * notice caught halfway through its 0.2 s rise is not what anyone reads (axe measured its
 * half-transparent colours).
 */
async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(() => {
    const animations = (globalThis as unknown as { document: Animated }).document.getAnimations();
    const ending = animations.filter(
      (a) => a.effect?.getComputedTiming().iterations !== Number.POSITIVE_INFINITY,
    );
    return Promise.all(ending.map((a) => a.finished.catch(() => {})));
  });
  if (!(await page.evaluate(() => "axe" in globalThis))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run()).violations as Violation[];
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const found = await seriousViolations(page);
  const report = found.map(
    (v) =>
      `${v.id} (${v.impact}): ${v.help}\n` +
      v.nodes.map((n) => `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ""}`).join("\n"),
  );
  assert.deepEqual(report, [], `axe on ${screen}`);
  console.log(`axe: no serious or critical violation on ${screen}`);
}
