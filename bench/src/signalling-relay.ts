/**
 * `npm run bench:relay -- --clients C --rate R --seconds T`
 *
 * What relaying signalling costs a cluster's primary (docs/architecture.md "Every core of one
 * machine"). C signalling clients each join a meeting of their own, then each sends `ping` R times
 * a second for T seconds; the meeting's worker (or the single process) answers each with `pong`.
 * Measured twice: with WORKERS=1 (one process reads the sockets, as a worker would if the primary
 * handed sockets over) and with WORKERS=2 (the primary reads every frame, relays it to the worker
 * over IPC, and writes back the answer). Prints CPU microseconds per message for each process.
 */
import { parseArgs } from "node:util";
import { newRoom, SignallingClient } from "../../packages/server/test/signalling-client.ts";
import { type ServerProcess, startServer } from "../../packages/server/test/start-server.ts";
import { cpuSeconds, round } from "./sfu-measure.ts";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "50" },
    rate: { type: "string", default: "20" },
    seconds: { type: "string", default: "10" },
  },
});
const clients = Number(values.clients);
const rate = Number(values.rate);
const seconds = Number(values.seconds);

function workerPids(server: ServerProcess): number[] {
  return server.logs
    .filter((l) => l.includes('"msg":"worker started"'))
    .map((l) => (JSON.parse(l) as { pid: number }).pid);
}

async function measure(workers: number) {
  const server = await startServer({
    WORKERS: String(workers),
    MAX_CONNECTIONS_PER_ADDRESS: "4000",
    JOINS_PER_MINUTE: "100000",
    MAX_ROOMS_PER_ADDRESS: "1000",
  });
  try {
    const joined: SignallingClient[] = [];
    for (let i = 0; i < clients; i++)
      joined.push(await SignallingClient.joined(server.url, await newRoom()));
    const pids = [server.pid, ...workerPids(server)];
    const before = pids.map(cpuSeconds);
    let pongs = 0;
    for (const client of joined) {
      client.ws.on("message", (data) => {
        if (data.toString().includes('"pong"')) pongs++;
      });
    }
    const timer = setInterval(() => {
      for (const client of joined) client.send({ type: "ping" });
    }, 1000 / rate);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    clearInterval(timer);
    await new Promise((r) => setTimeout(r, 500));
    const used = pids.map((pid, i) => cpuSeconds(pid) - (before[i] ?? 0));
    for (const client of joined) client.close();
    const perMessage = (s: number) => round((s * 1e6) / Math.max(1, pongs), 1);
    return {
      workers,
      messages: pongs,
      messagesPerSecond: round(pongs / seconds),
      microsecondsPerMessage: {
        firstProcess: perMessage(used[0] ?? 0),
        workers: perMessage(used.slice(1).reduce((a, b) => a + b, 0)),
      },
    };
  } finally {
    await server.stop();
  }
}

const single = await measure(1);
const cluster = await measure(2);
console.log(
  JSON.stringify({
    bench: "relay",
    clients,
    rate,
    seconds,
    single,
    cluster,
    note: "firstProcess: the single process, or the primary; CPU µs per ping answered",
  }),
);
