/**
 * `npm run bench:meeting -- --people 100 --publishers 4 --runs R [--receiver-processes K]
 *  [--tiles 9] [--seconds 10] [--workers W]`
 *
 * A big meeting, measured (docs/performance.md "A 100-person meeting"): a real server at its
 * defaults (but the per-address budgets, since every bot comes from loopback, and the overload
 * gate, since the bots share its cores), and `people` real bots who join one after the other: the
 * publishers first, each sending the shipped clip, then receivers that each receive as a grid page
 * of `tiles` tiles would (a `view` of the first `tiles - 1` cameras). Each join is timed from
 * joinBot() to the first video frame the joiner decrypted. Once everyone is in, it measures over
 * `seconds` the server's CPU (every process, % of one core, median of 1 s samples) and what each
 * receiver's downlink carries: kbit/s and the videos with bytes, against the tiles it shows.
 * The bots run in load processes of their own (bench/src/load/meeting-worker.ts): each publisher
 * in one (a publisher stays a full MLS member, and processes every commit), the receivers dealt
 * over K others. Prints JSON.
 */
import { appendFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { deriveRoomId, toBase64url } from "@conclave/protocol";
import { startServer } from "../../packages/server/test/start-server.ts";
import { ForkedWorker } from "./load/forked-worker.ts";
import type {
  Downlink,
  JoinTiming,
  MeetingCommand,
  MeetingReply,
} from "./load/meeting-messages.ts";
import { cpuSeconds, median, round, workerPids } from "./sfu-measure.ts";

const { values } = parseArgs({
  options: {
    people: { type: "string", default: "100" },
    publishers: { type: "string", default: "4" },
    runs: { type: "string", default: "1" },
    "receiver-processes": { type: "string", default: "3" },
    tiles: { type: "string", default: "9" },
    seconds: { type: "string", default: "10" },
    workers: { type: "string", default: String(availableParallelism()) },
    "join-timeout-s": { type: "string", default: "120" },
    /**
     * Pause between one person's join (first frame and first update) and the next's: quiet for
     * the publisher bots, whose MLS engine shares a thread with their werift connections (a
     * browser runs MLS in a worker). In the runs of docs/performance.md it did not keep their
     * connections alive at a hundred members.
     */
    "pause-ms": { type: "string", default: "0" },
    /** Where to write the server's log lines of each run (appended). */
    "server-log": { type: "string" },
  },
});
const people = Number(values.people);
const publishers = Number(values.publishers);
const runs = Number(values.runs);
const receiverProcesses = Number(values["receiver-processes"]);
const tiles = Number(values.tiles);
const seconds = Number(values.seconds);
const workers = Number(values.workers);
const joinTimeoutMs = Number(values["join-timeout-s"]) * 1000;
const pauseMs = Number(values["pause-ms"]);
if (
  ![people, publishers, runs, receiverProcesses, tiles, seconds, workers].every(
    (n) => Number.isInteger(n) && n >= 1,
  ) ||
  publishers > people ||
  tiles < 2 ||
  !(joinTimeoutMs > 0) ||
  !(pauseMs >= 0)
) {
  console.error(
    "usage: bench:meeting -- --people N --publishers P<=N [--runs R] [--receiver-processes K] [--tiles T>=2] [--seconds S] [--workers W] [--join-timeout-s J] [--pause-ms M]",
  );
  process.exit(2);
}

const WORKER = fileURLToPath(new URL("./load/meeting-worker.ts", import.meta.url));
type MeetingProcess = ForkedWorker<MeetingCommand, MeetingReply>;
const startProcess = () => ForkedWorker.start<MeetingCommand, MeetingReply>(WORKER);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A video stream counts as carried at more than this (a paused one sends nothing). */
const CARRIED_KBPS = 8;

/** The server's CPU, % of one core, sampled once a second until stopped. */
function cpuSampler(pids: () => readonly number[]) {
  const samples: number[] = [];
  const total = () => pids().reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  let last = { t: performance.now(), cpu: total() };
  const timer = setInterval(() => {
    const now = { t: performance.now(), cpu: total() };
    samples.push(((now.cpu - last.cpu) / ((now.t - last.t) / 1000)) * 100);
    last = now;
  }, 1000);
  return {
    stop: () => {
      clearInterval(timer);
      return samples;
    },
  };
}

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

async function downlinks(processes: readonly MeetingProcess[]) {
  const replies = await Promise.all(processes.map((p) => p.ask({ type: "downlink" }, "downlink")));
  return { t: performance.now(), downlinks: replies.flatMap((r) => r.downlinks) };
}

/** Per receiver, what its downlink carried between two readings. */
function carried(
  before: { t: number; downlinks: readonly Downlink[] },
  after: { t: number; downlinks: readonly Downlink[] },
  receivers: ReadonlySet<string>,
) {
  const dt = (after.t - before.t) / 1000;
  const bytesOf = (list: readonly Downlink[], owner: string) =>
    list
      .filter((d) => d.owner === owner)
      .flatMap((d) => d.streams.map((s, i) => ({ key: `${list.indexOf(d)}/${i}`, ...s })));
  return [...receivers].map((owner) => {
    const old = new Map(bytesOf(before.downlinks, owner).map((s) => [s.key, s]));
    const streams = bytesOf(after.downlinks, owner).map((s) => {
      const then = old.get(s.key) ?? { bytes: 0, packets: 0, expected: 0 };
      return {
        video: s.video,
        kbps: ((s.bytes - then.bytes) * 8) / dt / 1000,
        packets: s.packets - then.packets,
        expected: s.expected - then.expected,
      };
    });
    const expected = streams.reduce((sum, s) => sum + s.expected, 0);
    const packets = streams.reduce((sum, s) => sum + s.packets, 0);
    return {
      kbps: streams.reduce((sum, s) => sum + s.kbps, 0),
      videos: streams.filter((s) => s.video && s.kbps > CARRIED_KBPS).length,
      lossPercent: expected > 0 ? (100 * Math.max(0, expected - packets)) / expected : 0,
    };
  });
}

async function run() {
  const server = await startServer({
    // Every bot comes from 127.0.0.1: a hundred people would come from a hundred addresses.
    JOINS_PER_MINUTE: "100000",
    // The bots run on the server's two cores: refusing them for a busy event loop (SERVER_BUSY)
    // would measure the overload gate, not the meeting.
    MAX_EVENT_LOOP_DELAY_MS: "0",
    WORKERS: String(workers),
  });
  const serverPids = () => [server.pid, ...workerPids(server.logs)];
  const pubFleet = await Promise.all(Array.from({ length: publishers }, startProcess));
  const receiverFleet = await Promise.all(Array.from({ length: receiverProcesses }, startProcess));
  const all = [...pubFleet, ...receiverFleet];
  try {
    const secret = toBase64url(crypto.getRandomValues(new Uint8Array(32)));
    const link = await deriveRoomId(secret);
    if (!link) throw new Error("room derivation failed");
    const url = `${server.url}/m/${link.roomId}#${secret}`;
    const joins: (JoinTiming & { publish: boolean })[] = [];
    const joining = cpuSampler(serverPids);
    for (let i = 0; i < people; i++) {
      const publish = i < publishers;
      const process = publish ? pubFleet[i] : receiverFleet[(i - publishers) % receiverProcesses];
      if (!process) throw new Error("no load process");
      const name = publish ? `Publisher ${i + 1}` : `Receiver ${i - publishers + 1}`;
      const timing = await process.ask(
        {
          type: "join",
          url,
          name,
          publish,
          gridTiles: tiles,
          expectVideo: i > 0,
          timeoutMs: joinTimeoutMs,
        },
        "joined",
      );
      joins.push({ ...timing, publish });
      const metrics = await fetch(`${server.metricsUrl}/metrics`).then((r) => r.text());
      const counter = (name: string) =>
        metrics
          .split("\n")
          .find((l) => l.startsWith(`${name} `))
          ?.split(" ")[1];
      const outcome =
        timing.error ?? `first frame after ${Math.round(timing.firstFrameMs ?? 0)} ms`;
      console.error(
        `${name}: ${outcome} (producers ${counter("conclave_producers")}, packets forwarded ${counter("conclave_sfu_packets_forwarded_total")})`,
      );
      await sleep(pauseMs);
    }
    const joiningCpu = joining.stop();
    await sleep(3000); // past the last joiner's keyframe and first view
    const receivers = new Set(joins.filter((j) => !j.publish && j.connectedMs).map((j) => j.name));
    const steady = cpuSampler(serverPids);
    const before = await downlinks(receiverFleet);
    await sleep(seconds * 1000);
    const after = await downlinks(receiverFleet);
    const steadyCpu = steady.stop();
    const links = carried(before, after, receivers);
    const states = await Promise.all(all.map((p) => p.ask({ type: "epochs" }, "epochs")));
    const frames = joins.flatMap((j) => (j.firstFrameMs === null ? [] : [j.firstFrameMs]));
    // Joiners in quarters of the meeting's growth: does a join take longer as it grows?
    const quarter = Math.ceil((people - 1) / 4);
    const byQuarter = [0, 1, 2, 3].map((q) =>
      percentile(
        joins.slice(1 + q * quarter, 1 + (q + 1) * quarter).flatMap((j) => j.firstFrameMs ?? []),
        50,
      ),
    );
    const kbps = links.map((l) => l.kbps);
    const videos = links.map((l) => l.videos);
    return {
      joined: joins.filter((j) => j.connectedMs !== null).length,
      joinFailures: joins.filter((j) => j.error !== null).map((j) => `${j.name}: ${j.error}`),
      firstFrameMs: {
        p50: percentile(frames, 50),
        p95: percentile(frames, 95),
        count: frames.length,
      },
      firstFrameP50ByQuarterMs: byQuarter,
      /** Each joiner's, in the order they joined (null: no video expected, or none came). */
      firstFrameMsEach: joins.map((j) =>
        j.firstFrameMs === null ? null : Math.round(j.firstFrameMs),
      ),
      connectedMsP50: percentile(
        joins.flatMap((j) => j.connectedMs ?? []),
        50,
      ),
      serverCpuPercentOfOneCore: {
        whileJoining: round(median(joiningCpu)),
        withEveryoneIn: round(median(steadyCpu)),
      },
      receivers: links.length,
      downlinkKbps: {
        p50: round(median(kbps)),
        min: round(Math.min(...kbps)),
        max: round(Math.max(...kbps)),
      },
      videosCarried: { p50: median(videos), max: Math.max(...videos) },
      /** Packets missing from what each receiver's streams numbered, over the window. */
      receiverLossPercent: {
        p50: round(median(links.map((l) => l.lossPercent)), 2),
        max: round(Math.max(...links.map((l) => l.lossPercent)), 2),
      },
      receiversOverVisibleTiles: videos.filter((v) => v > tiles - 1).length,
      epochs: states.flatMap((s) => s.epochs),
      publisherConnections: states.flatMap((s) => s.connections),
      /** Per load process (publishers first): the longest its thread was held, in ms. */
      loadMaxEventLoopDelayMs: states.map((s) => s.maxEventLoopDelayMs),
      droppedParticipants: states.reduce((n, s) => n + s.closed, 0),
      reconnections: states.reduce((n, s) => n + s.reconnections, 0),
    };
  } catch (error) {
    console.error(`run failed; the server's last log lines:\n${server.logs.slice(-30).join("\n")}`);
    throw error;
  } finally {
    await Promise.all(all.map((p) => p.stop({ type: "stop" })));
    await server.stop();
    const logFile = values["server-log"];
    if (logFile) appendFileSync(logFile, `${server.logs.join("\n")}\n`);
  }
}

const loadAtStart = loadavg().map((n) => round(n, 2));
const results: Awaited<ReturnType<typeof run>>[] = [];
for (let i = 0; i < runs; i++) {
  results.push(await run());
  console.error(`run ${i + 1}: ${JSON.stringify(results.at(-1))}`);
}
const of = (pick: (r: (typeof results)[number]) => number | null) =>
  round(median(results.map((r) => pick(r) ?? Number.NaN)));
console.log(
  JSON.stringify(
    {
      bench: "meeting",
      date: new Date().toISOString(),
      people,
      publishers,
      tiles,
      runs,
      pauseMs,
      workers,
      /** The machine's 1, 5 and 15 minute load averages, at the start and at the end. */
      loadAverage: { start: loadAtStart, end: loadavg().map((n) => round(n, 2)) },
      median: {
        firstFrameP50Ms: of((r) => r.firstFrameMs.p50),
        firstFrameP95Ms: of((r) => r.firstFrameMs.p95),
        serverCpuWhileJoining: of((r) => r.serverCpuPercentOfOneCore.whileJoining),
        serverCpuWithEveryoneIn: of((r) => r.serverCpuPercentOfOneCore.withEveryoneIn),
        downlinkKbpsP50: of((r) => r.downlinkKbps.p50),
        videosCarriedMax: of((r) => r.videosCarried.max),
      },
      runsDetail: results,
      note: "first frame: joinBot() to the first decrypted video frame, per joiner; CPU: the server's processes together, % of one core, median of 1 s samples",
    },
    null,
    2,
  ),
);
