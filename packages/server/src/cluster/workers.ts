import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Config } from "../config.ts";
import type { Logger } from "../logger.ts";
import type { WorkerLoad } from "./placement.ts";
import { portSlice } from "./port-slices.ts";
import {
  type FromWorker,
  type MetricsJson,
  parseFromWorker,
  type ToWorker,
} from "./worker-messages.ts";

const WORKER_MAIN = fileURLToPath(new URL("./worker-main.ts", import.meta.url));
/** A worker that dies within this of its start waits before the next one, so a crash loop idles. */
const QUICK_DEATH_MS = 5000;
const RESTART_DELAY_MS = 1000;
const METRICS_TIMEOUT_MS = 5000;

export interface WorkerEvents {
  /** A message from worker `index`, validated. */
  message(index: number, message: FromWorker): void;
  /** Worker `index` died (not at drain): what lived in it is gone; it is being restarted. */
  lost(index: number): void;
}

/**
 * One worker process, restarted when it dies until the cluster drains. Everything it sends is
 * validated (worker-messages.ts) before anyone acts on it; anything else is dropped and logged.
 */
class WorkerProcess implements WorkerLoad {
  private child: ChildProcess | null = null;
  private startedAt = 0;
  ready = false;
  overloaded = false;
  private readonly metricsWaiting = new Map<number, (metrics: MetricsJson | null) => void>();
  private nextRequest = 0;

  constructor(
    readonly index: number,
    private readonly env: NodeJS.ProcessEnv,
    private readonly events: WorkerEvents,
    private readonly log: Logger,
    private readonly stopping: () => boolean,
  ) {}

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): void {
    this.startedAt = Date.now();
    this.ready = false;
    // The same Node flags as the primary (`--import tsx`, a profiler), so the worker runs alike.
    const child = fork(WORKER_MAIN, [], { env: this.env, execArgv: process.execArgv });
    this.child = child;
    child.on("message", (raw) => this.receive(raw));
    child.once("exit", (code, signal) => this.exited(child, code, signal));
  }

  send(message: ToWorker): void {
    if (this.child?.connected) this.child.send(message);
  }

  /** Its metrics as JSON, or null if it does not answer in time. */
  metrics(): Promise<MetricsJson | null> {
    if (!this.ready) return Promise.resolve(null);
    const request = this.nextRequest++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(null), METRICS_TIMEOUT_MS);
      const done = (metrics: MetricsJson | null) => {
        clearTimeout(timer);
        this.metricsWaiting.delete(request);
        resolve(metrics);
      };
      this.metricsWaiting.set(request, done);
      this.send({ type: "metrics", request });
    });
  }

  /** Resolves once it has exited. */
  whenExited(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => child.once("exit", () => resolve()));
  }

  kill(): void {
    this.child?.kill("SIGKILL");
  }

  private receive(raw: unknown): void {
    const message = parseFromWorker(raw);
    if (!message) {
      this.log.warn({ worker: this.index }, "refused a message from a worker that is not one");
      return;
    }
    if (message.type === "ready") this.ready = true;
    if (message.type === "load") this.overloaded = message.overloaded;
    if (message.type === "metrics") this.metricsWaiting.get(message.request)?.(message.metrics);
    this.events.message(this.index, message);
  }

  private exited(child: ChildProcess, code: number | null, signal: string | null): void {
    if (child !== this.child) return;
    this.ready = false;
    for (const done of [...this.metricsWaiting.values()]) done(null);
    if (this.stopping()) return;
    this.log.error({ worker: this.index, code, signal }, "worker died; restarting it");
    this.events.lost(this.index);
    const quick = Date.now() - this.startedAt < QUICK_DEATH_MS;
    setTimeout(() => this.stopping() || this.start(), quick ? RESTART_DELAY_MS : 0);
  }
}

/** The cluster's workers: `config.workers` processes, each on its slice of the media ports. */
export class Workers {
  readonly all: readonly WorkerProcess[];
  private draining = false;

  constructor(config: Config, log: Logger, events: WorkerEvents) {
    this.all = Array.from({ length: config.workers }, (_, index) => {
      const slice = portSlice(config.rtcPortRange, config.workers, index);
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        CONCLAVE_WORKER: String(index),
        ...(slice ? { RTC_MIN_PORT: String(slice[0]), RTC_MAX_PORT: String(slice[1]) } : {}),
      };
      return new WorkerProcess(index, env, events, log, () => this.draining);
    });
    for (const worker of this.all) worker.start();
  }

  get(index: number): WorkerProcess | undefined {
    return this.all[index];
  }

  /** Resolves once every worker said it is ready (or after `timeoutMs`). */
  async ready(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.all.every((w) => w.ready)) {
      if (Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
    return true;
  }

  /** Tells every worker to drain and waits for them to exit (killed past `timeoutMs`). */
  async drain(timeoutMs: number): Promise<void> {
    this.draining = true;
    for (const worker of this.all) worker.send({ type: "drain" });
    const timer = setTimeout(() => {
      for (const worker of this.all) worker.kill();
    }, timeoutMs);
    await Promise.all(this.all.map((w) => w.whenExited()));
    clearTimeout(timer);
  }
}
