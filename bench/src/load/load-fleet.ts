import { fileURLToPath } from "node:url";
import { ForkedWorker } from "./forked-worker.ts";
import type { LoadCommand, LoadReply, LoadSample, LoadTarget } from "./load-messages.ts";

const WORKER = fileURLToPath(new URL("./load-worker.ts", import.meta.url));
type LoadProcess = ForkedWorker<LoadCommand, LoadReply>;

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
    return new LoadFleet(
      await Promise.all(
        Array.from({ length: processes }, () => ForkedWorker.start<LoadCommand, LoadReply>(WORKER)),
      ),
    );
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
    await Promise.all(this.workers.map((w) => w.stop({ type: "stop" })));
  }
}
