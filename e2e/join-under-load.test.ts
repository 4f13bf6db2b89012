/**
 * Joining under load, in Chromium against the real server (issue: once, on a loaded machine, a
 * second joiner waited 30 s and got "Could not join the encrypted group"). Bots in another meeting
 * and a busy process load the machine; round after round, a host opens a fresh meeting and a second
 * person joins it. Each join is timed from Join to membership, with the steps the banner named on
 * the way; every join must be in well before the 30 s the page gives up at.
 *
 * JOIN_ROUNDS (default 8) and LOAD_SPINNERS (busy processes beside the bots, default 0: a shared
 * machine is often loaded enough) size the run.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { loadavg } from "node:os";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import { BotProcess } from "./bot-process.ts";
import {
  browserSuite,
  hostMeeting,
  inGroup,
  newMeetingLink,
  newParticipant,
  waitFor,
} from "./browser.ts";

const suite = browserSuite();
const ROUNDS = Number(process.env.JOIN_ROUNDS ?? 8);
const SPINNERS = Number(process.env.LOAD_SPINNERS ?? 0);
/** Far under the page's 30 s (group-entry.ts): a join this slow is a fault to find. */
const SLOW_JOIN_MS = 15_000;

const load: { bots: BotProcess[]; spinners: ChildProcess[] } = { bots: [], spinners: [] };
after(() => {
  for (const bot of load.bots) bot.stop();
  for (const spinner of load.spinners) spinner.kill("SIGTERM");
});

/** What the joining banner says, sampled until the page is in the group; the steps, timed. */
async function joinTimed(page: Page, link: string, name: string) {
  await page.goto(link);
  await page.getByRole("textbox", { name: "Your name" }).fill(name);
  const start = Date.now();
  await page.getByRole("button", { name: "Join", exact: true }).click();
  const steps: string[] = [];
  await waitFor(
    `${name} in the encrypted group (steps: ${steps.join(" → ")})`,
    async () => {
      const meeting = page.locator(".meeting");
      if ((await meeting.count()) === 1) {
        if ((await meeting.getAttribute("data-e2ee-status")) === "member") return true;
        const step = await page.locator("[data-join-step]").getAttribute("data-join-step", {
          timeout: 50,
        });
        const at = `${step}@${((Date.now() - start) / 1000).toFixed(1)}s`;
        if (step && !steps.some((s) => s.startsWith(`${step}@`))) steps.push(at);
      }
      return false;
    },
    35_000,
    100,
  ).catch(() => {});
  const ms = Date.now() - start;
  const failure = await page.getByText("Could not join the encrypted group").count();
  return { ms, steps, failed: failure > 0 };
}

describe("joining under load in Chromium", () => {
  before(async () => {
    for (let i = 0; i < SPINNERS; i++) {
      load.spinners.push(spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" }));
    }
  });

  test(`a second joiner gets into the encrypted group in time, ${ROUNDS} rounds on a loaded machine`, async () => {
    const loader = await suite.participant();
    const busy = await newMeetingLink(loader.page, suite.server.url);
    await loader.page.goto("about:blank");
    load.bots.push(new BotProcess(busy, "Load 1"), new BotProcess(busy, "Load 2"));
    await waitFor("the load bots sending", async () => load.bots.every((b) => b.stats), 30_000);

    const joins: { ms: number; steps: string[]; failed: boolean }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const host = await newParticipant(suite.browser);
      const joiner = await newParticipant(suite.browser);
      try {
        const link = await hostMeeting(suite, host.page, `Host ${round}`);
        const join = await joinTimed(joiner.page, link, `Second ${round}`);
        joins.push(join);
        console.log(
          `round ${round}: second joiner in after ${join.ms} ms (${join.steps.join(" → ")})${join.failed ? " FAILED" : ""}`,
        );
        if (join.failed || join.ms > SLOW_JOIN_MS) {
          console.log(`host errors: ${host.errors.join("\n")}`);
          console.log(`joiner errors: ${joiner.errors.join("\n")}`);
        } else await inGroup(joiner.page, `Second ${round}`);
      } finally {
        await host.context.close();
        await joiner.context.close();
      }
    }
    const sorted = joins.map((j) => j.ms).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)];
    console.log(
      `joins under load (${SPINNERS} busy processes, 2 bots, load average ${loadavg()[0]?.toFixed(1)}): min ${sorted[0]} ms, median ${median} ms, max ${sorted.at(-1)} ms`,
    );
    assert.deepEqual(
      joins.filter((j) => j.failed || j.ms > SLOW_JOIN_MS).map((j) => j.steps),
      [],
      `every join under ${SLOW_JOIN_MS} ms`,
    );
  });
});
