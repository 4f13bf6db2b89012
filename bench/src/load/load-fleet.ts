import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { LoadCommand, LoadReply, LoadSample, LoadTarget } from "./load-messages.ts";

const WORKER = fileURLToPath(new URL("./load-worker.ts", import.meta.url));
const REPLY_TIMEOUT_MS = 600_000;

/** One forked load process, one command at a time. */
class LoadProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<LoadProcess> {
    const child = fork(WORKER, [], { execArgv: ["--import", "tsx"], stdio: "inherit" });
    const worker = new LoadProcess(child);
    await worker.next("ready");
    return worker;
  }

  async ask<T extends LoadReply["type"]>(
    command: LoadCommand,
    expected: T,
  ): Promise<Extract<LoadReply, { type: T }>> {
    const reply = this.next(expected);
    this.child.send(command);
    return reply;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill("SIGKILL");
  }

  async exited(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null)
      await once(this.child, "exit");
  }

  private next<T extends LoadReply["type"]>(expected: T): Promise<Extract<LoadReply, { type: T }>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`no ${expected} from a load process`)),
        REPLY_TIMEOUT_MS,
      );
      const onMessage = (reply: LoadReply) => {
        if (reply.type === "failed") done(new Error(`load process: ${reply.message}`));
        else if (reply.type === expected) done(null, reply as Extract<LoadReply, { type: T }>);
      };
      const onExit = (code: number | null) => done(new Error(`load process exited with ${code}`));
      const done = (error: Error | null, reply?: Extract<LoadReply, { type: T }>) => {
        clearTimeout(timer);
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        if (error) reject(error);
        else if (reply) resolve(reply);
      };
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
    });
  }
}

/** Names dealt round-robin over `n` processes. */
function deal(names: readonly string[], n: number): string[][] {
  return Array.from({ length: n }, (_, hand) => names.filter((_, i) => i % n === hand));
}

/**
 * The bench's load generator: participants spread over several processes, so that no load process
 * is the bottleneck (one Node thread per process), each reporting what it sent and received.
 */
export class LoadFleet {
  private constructor(private readonly workers: LoadProcess[]) {}

  static async start(processes: number): Promise<LoadFleet> {
    return new LoadFleet(await Promise.all(Array.from({ length: processes }, LoadProcess.start)));
  }

  /** Joins the publishers; then the subscribers (for Janus, to every publisher's feed). */
  async join(target: LoadTarget, publishers: number, subscribers: number): Promise<void> {
    const n = this.workers.length;
    const pubs = deal(
      Array.from({ length: publishers }, (_, i) => `pub${i}`),
      n,
    );
    const published = await Promise.all(
      this.workers.map((w, i) =>
        w.ask({ type: "publish", target, names: pubs[i] ?? [] }, "published"),
      ),
    );
    const feeds = published.flatMap((p) => p.feeds);
    const subs = deal(
      Array.from({ length: subscribers }, (_, i) => `sub${i}`),
      n,
    );
    await Promise.all(
      this.workers.map((w, i) =>
        w.ask({ type: "subscribe", target, names: subs[i] ?? [], feeds }, "subscribed"),
      ),
    );
  }

  /** The sum of every process's counters. */
  async sample(): Promise<LoadSample> {
    const samples = await Promise.all(this.workers.map((w) => w.ask({ type: "sample" }, "sample")));
    return samples.reduce(
      (sum, s) => ({
        sent: sum.sent + s.sent,
        delivered: sum.delivered + s.delivered,
        streams: sum.streams + s.streams,
        cpuSeconds: sum.cpuSeconds + s.cpuSeconds,
      }),
      { sent: 0, delivered: 0, streams: 0, cpuSeconds: 0 },
    );
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.workers.map(async (w) => {
        const timer = setTimeout(() => w.kill(), 10_000);
        await w.ask({ type: "stop" }, "stopped").catch(() => w.kill());
        await w.exited();
        clearTimeout(timer);
      }),
    );
  }
}
