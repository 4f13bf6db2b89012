/**
 * `npm run bench:sfu -- --publishers N --subscribers M --seconds T [--peer janus] [--runs R]
 *  [--workers W] [--meetings K]`
 *
 * Starts a real server process and a load generator in separate processes (bench/src/load): bots
 * whose publishers send the shipped VP8 + Opus clip and whose receivers only count packets. Once
 * every stream flows it samples once a second: packets delivered to the receivers against those
 * expected (what the publishers sent, times the receivers of each), the server's CPU time (from
 * /proc), and the packets the SFU says it forwarded. `--peer janus` runs the same load against
 * Debian's Janus (VideoRoom) right after, and prints the ratio of delivered packets per core.
 * Prints one JSON object with medians over the samples (and over the runs). `--cpu-prof-dir D`
 * profiles the Conclave server (node --cpu-prof) into D. `--workers W` runs Conclave with W
 * worker processes behind its primary (WORKERS, docs/operations.md "Every core of one machine"),
 * and the load as K meetings (K = W by default), each of N publishers and M subscribers, so that
 * every worker forwards; the server's CPU is then the primary's and every worker's together.
 * Janus gets the same K rooms.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { deriveRoomId, toBase64url } from "@conclave/protocol";
import { startServer } from "../../packages/server/test/start-server.ts";
import { JanusSession } from "./janus/janus-client.ts";
import { createRoom } from "./janus/janus-participants.ts";
import { startJanus } from "./janus/janus-process.ts";
import { LoadFleet } from "./load/load-fleet.ts";
import type { LoadSample, LoadTarget } from "./load/load-messages.ts";
import { cpuSeconds, forwardedByConclave, median, round, workerPids } from "./sfu-measure.ts";

const { values } = parseArgs({
  options: {
    publishers: { type: "string", default: "2" },
    subscribers: { type: "string", default: "4" },
    seconds: { type: "string", default: "20" },
    runs: { type: "string", default: "1" },
    peer: { type: "string" },
    "load-processes": { type: "string", default: "2" },
    workers: { type: "string", default: "1" },
    meetings: { type: "string" },
    /** Where the Conclave server writes a CPU profile of each run (node --cpu-prof). */
    "cpu-prof-dir": { type: "string" },
    /** Options for the Conclave server's Node (e.g. --max-semi-space-size=16), its workers too. */
    "server-node-option": { type: "string", multiple: true },
  },
});
const publishers = Number(values.publishers);
const subscribers = Number(values.subscribers);
const seconds = Number(values.seconds);
const runs = Number(values.runs);
const processes = Number(values["load-processes"]);
const workers = Number(values.workers);
const meetings = Number(values.meetings ?? values.workers);
if (
  ![publishers, subscribers, seconds, runs, processes, workers, meetings].every(
    (n) => Number.isInteger(n) && n >= 0,
  ) ||
  publishers < 1 ||
  runs < 1 ||
  processes < 1 ||
  workers < 1 ||
  meetings < 1 ||
  (values.peer !== undefined && values.peer !== "janus")
) {
  console.error(
    "usage: bench:sfu -- --publishers N>=1 --subscribers M>=0 --seconds T [--runs R] [--peer janus] [--workers W] [--meetings K] [--load-processes L] [--cpu-prof-dir D] [--server-node-option O]",
  );
  process.exit(2);
}

type Peer = "conclave" | "janus";

/** The server under test, started for one run. */
interface Target {
  /** The server's processes now: Janus, or Conclave's primary and its workers. */
  readonly pids: () => readonly number[];
  /** One per meeting. */
  readonly loads: readonly LoadTarget[];
  /** Conclave only: its own count of forwarded packets. */
  readonly forwarded: (() => Promise<number>) | null;
  /** What it logged last, shown when a run fails. */
  readonly logs: () => readonly string[];
  stop(): Promise<unknown>;
}

async function startTarget(peer: Peer): Promise<Target> {
  if (peer === "janus") {
    const janus = await startJanus();
    const session = await JanusSession.create(janus.url);
    const loads: LoadTarget[] = [];
    for (let i = 0; i < meetings; i++) {
      const room = 1 + Math.floor(Math.random() * 1e9);
      await createRoom(session, room);
      loads.push({ peer, url: janus.url, room });
    }
    return {
      pids: () => [janus.pid],
      loads,
      forwarded: null,
      logs: () => [],
      stop: async () => {
        await session.destroy();
        await janus.stop();
      },
    };
  }
  // Every bot connects from loopback: one address, so its connection cap is the server's.
  const profile = values["cpu-prof-dir"];
  const server = await startServer(
    {
      MAX_PARTICIPANTS: "1000",
      MAX_CONNECTIONS_PER_ADDRESS: "4000",
      JOINS_PER_MINUTE: "100000",
      // Never SERVER_BUSY: the bench measures how much it forwards, past saturation too.
      MAX_EVENT_LOOP_DELAY_MS: "0",
      WORKERS: String(workers),
    },
    {
      nodeArgs: [
        ...(profile ? ["--cpu-prof", `--cpu-prof-dir=${profile}`] : []),
        ...(values["server-node-option"] ?? []),
      ],
    },
  );
  const loads: LoadTarget[] = [];
  for (let i = 0; i < meetings; i++) {
    const secret = toBase64url(crypto.getRandomValues(new Uint8Array(32)));
    const link = await deriveRoomId(secret);
    if (!link) throw new Error("room derivation failed");
    loads.push({ peer, url: `${server.url}/m/${link.roomId}#${secret}` });
  }
  return {
    pids: () => [server.pid, ...workerPids(server.logs)],
    loads,
    forwarded: () => forwardedByConclave(server.metricsUrl),
    logs: () => server.logs,
    stop: () => server.stop(),
  };
}

/** Every receiver gets every publisher but itself, audio and video, in each meeting. */
const receiversPerPublisher = publishers - 1 + subscribers;
const expectedStreams = meetings * publishers * receiversPerPublisher * 2;

interface Reading {
  t: number;
  serverCpu: number;
  /** The first of the server's processes: Conclave's primary with workers (it relays signalling). */
  firstCpu: number;
  load: LoadSample;
  forwarded: number;
}

async function read(target: Target, fleet: LoadFleet): Promise<Reading> {
  const [load, forwarded] = await Promise.all([fleet.sample(), target.forwarded?.() ?? 0]);
  const cpu = target.pids().map(cpuSeconds);
  const serverCpu = cpu.reduce((a, b) => a + b, 0);
  return { t: performance.now(), serverCpu, firstCpu: cpu[0] ?? 0, load, forwarded };
}

/** One run against one peer: medians of 1 s samples. */
async function run(peer: Peer) {
  const target = await startTarget(peer);
  const fleet = await LoadFleet.start(processes);
  try {
    for (const load of target.loads) await fleet.join(load, publishers, subscribers);
    // A loaded machine connects slowly: a second more per receiving connection.
    const deadline = Date.now() + 60_000 + 1000 * (publishers + subscribers);
    let flowing = 0;
    while (flowing < expectedStreams && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      flowing = (await fleet.sample()).streams;
    }
    await new Promise((r) => setTimeout(r, 2000)); // past the first keyframes and ICE checks
    const perSecond = {
      delivered: [] as number[],
      expected: [] as number[],
      forwarded: [] as number[],
      serverCpuPercent: [] as number[],
      primaryCpuPercent: [] as number[],
      loadCpuPercent: [] as number[],
    };
    const first = await read(target, fleet);
    let last = first;
    for (let i = 0; i < seconds; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const now = await read(target, fleet);
      const dt = (now.t - last.t) / 1000;
      perSecond.delivered.push((now.load.delivered - last.load.delivered) / dt);
      perSecond.expected.push(((now.load.sent - last.load.sent) * receiversPerPublisher) / dt);
      perSecond.forwarded.push((now.forwarded - last.forwarded) / dt);
      perSecond.serverCpuPercent.push(((now.serverCpu - last.serverCpu) / dt) * 100);
      perSecond.primaryCpuPercent.push(((now.firstCpu - last.firstCpu) / dt) * 100);
      perSecond.loadCpuPercent.push(((now.load.cpuSeconds - last.load.cpuSeconds) / dt) * 100);
      last = now;
    }
    const delivered = median(perSecond.delivered);
    const cpu = median(perSecond.serverCpuPercent);
    const expectedTotal = (last.load.sent - first.load.sent) * receiversPerPublisher;
    return {
      peer,
      streamsFlowing: flowing,
      expectedPacketsPerSecond: round(median(perSecond.expected)),
      deliveredPacketsPerSecond: round(delivered),
      deliveredPercent: round(
        (100 * (last.load.delivered - first.load.delivered)) / Math.max(1, expectedTotal),
        2,
      ),
      forwardedPacketsPerSecond: target.forwarded ? round(median(perSecond.forwarded)) : null,
      serverCpuPercentOfOneCore: round(cpu),
      primaryCpuPercentOfOneCore:
        peer === "conclave" && workers > 1 ? round(median(perSecond.primaryCpuPercent)) : null,
      deliveredPacketsPerSecondPerCore: cpu > 0 ? Math.round(delivered / (cpu / 100)) : null,
      loadCpuPercentOfOneCore: round(median(perSecond.loadCpuPercent)),
    };
  } catch (error) {
    console.error(
      `${peer} run failed; its last log lines:\n${target.logs().slice(-30).join("\n")}`,
    );
    throw error;
  } finally {
    await fleet.stop();
    await target.stop();
  }
}

type RunResult = Awaited<ReturnType<typeof run>>;

function failedRun(peer: Peer): RunResult {
  return {
    peer,
    streamsFlowing: 0,
    expectedPacketsPerSecond: 0,
    deliveredPacketsPerSecond: 0,
    deliveredPercent: 0,
    forwardedPacketsPerSecond: null,
    serverCpuPercentOfOneCore: 0,
    primaryCpuPercentOfOneCore: null,
    deliveredPacketsPerSecondPerCore: null,
    loadCpuPercentOfOneCore: 0,
  };
}

/**
 * Medians over the runs in which every stream flowed (on a loaded machine some connections may
 * not come up in time; such a run measures less load than asked): the spread of packets per core
 * shows the noise.
 */
function summary(all: RunResult[]) {
  const results = all.filter((r) => r.streamsFlowing >= expectedStreams);
  const perCore = results.map((r) => r.deliveredPacketsPerSecondPerCore ?? 0);
  const of = (pick: (r: RunResult) => number | null) =>
    round(median(results.map((r) => pick(r) ?? 0)));
  return {
    validRuns: results.length,
    deliveredPacketsPerSecond: of((r) => r.deliveredPacketsPerSecond),
    expectedPacketsPerSecond: of((r) => r.expectedPacketsPerSecond),
    deliveredPercent: of((r) => r.deliveredPercent),
    serverCpuPercentOfOneCore: of((r) => r.serverCpuPercentOfOneCore),
    primaryCpuPercentOfOneCore: results.some((r) => r.primaryCpuPercentOfOneCore !== null)
      ? of((r) => r.primaryCpuPercentOfOneCore)
      : null,
    deliveredPacketsPerSecondPerCore: Math.round(median(perCore)),
    perCoreRange: results.length ? [Math.min(...perCore), Math.max(...perCore)] : null,
    loadCpuPercentOfOneCore: of((r) => r.loadCpuPercentOfOneCore),
  };
}

const loadAtStart = loadavg().map((n) => round(n, 2));
const peers: Peer[] = values.peer === "janus" ? ["conclave", "janus"] : ["conclave"];
const results: Record<Peer, RunResult[]> = { conclave: [], janus: [] };
// Alternate the peers run by run, so that a change in the machine's other load hits both alike.
for (let i = 0; i < runs; i++) {
  for (const peer of peers) {
    // A run whose participants could not all join counts as one where not every stream flowed.
    results[peer].push(
      await run(peer).catch((error: Error) => {
        console.error(`${peer} run ${i + 1} failed: ${error.message}`);
        return failedRun(peer);
      }),
    );
  }
}
const conclave = summary(results.conclave);
const janus = values.peer === "janus" ? summary(results.janus) : null;
console.log(
  JSON.stringify({
    bench: "sfu",
    publishers,
    subscribers,
    seconds,
    runs,
    loadProcesses: processes,
    workers,
    meetings,
    serverNodeOptions: values["server-node-option"] ?? [],
    /** The machine's 1, 5 and 15 minute load averages, at the start and at the end. */
    loadAverage: { start: loadAtStart, end: loadavg().map((n) => round(n, 2)) },
    expectedStreams,
    conclave,
    janus,
    conclavePerJanusPerCore:
      janus && conclave.validRuns && janus.validRuns
        ? round(
            conclave.deliveredPacketsPerSecondPerCore / janus.deliveredPacketsPerSecondPerCore,
            2,
          )
        : null,
    runsDetail: results,
    note: "medians of 1 s samples, then of the runs where every stream flowed; per core = delivered packets/s per server CPU-second (all its processes)",
  }),
);
