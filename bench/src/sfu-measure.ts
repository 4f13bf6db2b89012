import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU seconds a process (all its threads) has used, from /proc. */
export function cpuSeconds(pid: number): number {
  // Fields after the command name: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Packets Conclave's SFU says it forwarded (its /metrics). */
export async function forwardedByConclave(metricsUrl: string): Promise<number> {
  // A kept-alive connection the server closed meanwhile fails once: ask again on a new one.
  const get = () => fetch(`${metricsUrl}/metrics`, { keepalive: false });
  const text = await (await get().catch(get)).text();
  const line = text.split("\n").find((l) => l.startsWith("conclave_sfu_packets_forwarded_total "));
  return Number(line?.split(" ")[1] ?? Number.NaN);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The pid of each worker as it last started ("worker started" lines; none with one process). */
export function workerPids(logs: readonly string[]): number[] {
  const pids = new Map<number, number>();
  for (const line of logs) {
    if (!line.includes('"msg":"worker started"')) continue;
    const { worker, pid } = JSON.parse(line) as { worker: number; pid: number };
    pids.set(worker, pid);
  }
  return [...pids.values()];
}
