/**
 * A bot in a process of its own (`npm run bot`), for browser tests: a bot in the test's process
 * competes with the drivers of two browsers for one event loop and, on a loaded machine, misses the
 * server's heartbeat. Its JSON stats lines (every 5 s) are what the test reads.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { BotStats } from "@conclave/bot";

const BOT_CLI = fileURLToPath(new URL("../packages/bot/src/main.ts", import.meta.url));

export class BotProcess {
  /** The last stats line the bot printed; null before the first. */
  stats: BotStats | null = null;
  private readonly child: ChildProcess;

  constructor(link: string, name: string) {
    this.child = spawn(process.execPath, ["--import", "tsx", BOT_CLI, link, "--name", name], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (!this.child.stdout) throw new Error("the bot has no stdout");
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      try {
        this.stats = JSON.parse(line) as BotStats;
      } catch {
        // Not a stats line.
      }
    });
  }

  /** Video frames the bot opened from `id` so far. */
  framesFrom(id: string): number {
    return this.stats?.received[id]?.video.frames ?? 0;
  }

  stop(): void {
    this.child.kill("SIGTERM");
  }
}
