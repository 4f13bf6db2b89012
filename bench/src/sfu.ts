/**
 * `npm run bench:sfu -- --publishers N --subscribers M --seconds T`
 *
 * Starts a real server process and real bots (publishers send the shipped VP8 + Opus clip,
 * subscribers only receive), waits for media to flow, then samples once a second: packets the
 * SFU forwarded (from /metrics), the server's CPU time (from /proc), and what the bots received.
 * Prints one JSON object with medians over the samples.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type Bot, joinBot } from "@conclave/bot";
import { deriveRoomId, toBase64url } from "@conclave/protocol";
import { startServer } from "../../packages/server/test/start-server.ts";

const { values } = parseArgs({
  options: {
    publishers: { type: "string", default: "2" },
    subscribers: { type: "string", default: "4" },
    seconds: { type: "string", default: "20" },
  },
});
const publishers = Number(values.publishers);
const subscribers = Number(values.subscribers);
const seconds = Number(values.seconds);
if (
  ![publishers, subscribers, seconds].every((n) => Number.isInteger(n) && n >= 0) ||
  publishers < 1
) {
  console.error("usage: bench:sfu -- --publishers N>=1 --subscribers M>=0 --seconds T");
  process.exit(2);
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux
function cpuSeconds(pid: number): number {
  // Fields after the command name: utime and stime are the 12th and 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function forwarded(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith("conclave_sfu_packets_forwarded_total "));
  return Number(line?.split(" ")[1] ?? Number.NaN);
}

function received(bots: Bot[]): { packets: number; lost: number } {
  let packets = 0;
  let lost = 0;
  for (const bot of bots) {
    for (const remote of Object.values(bot.stats().received)) {
      packets += remote.audio.packets + remote.video.packets;
      lost += remote.audio.lost + remote.video.lost;
    }
  }
  return { packets, lost };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

// Every bot connects from loopback: one address, so its connection cap is the server's.
const server = await startServer({ MAX_PARTICIPANTS: "1000", MAX_CONNECTIONS_PER_ADDRESS: "4000" });
const bots: Bot[] = [];
try {
  const secret = toBase64url(crypto.getRandomValues(new Uint8Array(32)));
  const link = await deriveRoomId(secret);
  if (!link) throw new Error("room derivation failed");
  const url = `${server.url}/m/${link.roomId}#${secret}`;
  for (let i = 0; i < publishers; i++) bots.push(await joinBot({ url, name: `pub${i}` }));
  for (let i = 0; i < subscribers; i++)
    bots.push(await joinBot({ url, name: `sub${i}`, publish: false }));

  // Every receiver gets every publisher but itself.
  const expectedStreams = publishers * (publishers - 1 + subscribers) * 2;
  const flowing = () =>
    bots.reduce(
      (n, bot) =>
        n + Object.values(bot.stats().received).filter((r) => r.audio.packets > 0).length * 2,
      0,
    );
  const deadline = Date.now() + 30_000;
  while (flowing() < expectedStreams && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 2000)); // past the first keyframes and ICE checks

  const samples = {
    forwardedPerSecond: [] as number[],
    cpuPercent: [] as number[],
    receivedPerSecond: [] as number[],
  };
  let last = {
    t: performance.now(),
    cpu: cpuSeconds(server.pid),
    fwd: await forwarded(server.metricsUrl),
    rx: received(bots),
  };
  const first = last;
  for (let i = 0; i < seconds; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    const now = {
      t: performance.now(),
      cpu: cpuSeconds(server.pid),
      fwd: await forwarded(server.metricsUrl),
      rx: received(bots),
    };
    const dt = (now.t - last.t) / 1000;
    samples.forwardedPerSecond.push((now.fwd - last.fwd) / dt);
    samples.cpuPercent.push(((now.cpu - last.cpu) / dt) * 100);
    samples.receivedPerSecond.push((now.rx.packets - last.rx.packets) / dt);
    last = now;
  }
  const fwdPerSecond = median(samples.forwardedPerSecond);
  const cpuPercent = median(samples.cpuPercent);
  const rxPackets = last.rx.packets - first.rx.packets;
  const rxLost = last.rx.lost - first.rx.lost;
  console.log(
    JSON.stringify({
      bench: "sfu",
      publishers,
      subscribers,
      seconds,
      streams: expectedStreams,
      streamsFlowing: flowing(),
      forwardedPacketsPerSecond: round(fwdPerSecond),
      receivedPacketsPerSecond: round(median(samples.receivedPerSecond)),
      serverCpuPercentOfOneCore: round(cpuPercent),
      packetsPerSecondPerCore:
        cpuPercent > 0 ? Math.round(fwdPerSecond / (cpuPercent / 100)) : null,
      lossPercent: round((100 * rxLost) / Math.max(1, rxPackets + rxLost), 3),
      samples: samples.cpuPercent.length,
      note: "medians of 1 s samples; bots run in this process on the same machine",
    }),
  );
} finally {
  for (const bot of bots) bot.close();
  await server.stop();
}
