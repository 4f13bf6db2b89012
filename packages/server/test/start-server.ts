import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { getPriority, setPriority } from "node:os";
import { fileURLToPath } from "node:url";

/** A real server process for integration, browser and benchmark runs. */
export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  /** Where its /metrics is served: its own loopback listener (METRICS_ADDRESS). */
  readonly metricsUrl: string;
  readonly pid: number;
  /** Every line the server logged so far (stdout and stderr). */
  readonly logs: string[];
  /** SIGTERM (or `signal`), then wait for exit; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const START_TIMEOUT_MS = 60_000;

/**
 * For a server that browsers share the machine with: it stands for a machine of its own. At the
 * browsers' priority on two cores its event loop waited behind their encoders, the packets it
 * stamped late read to publishers' estimators as a queue on their link, and a publisher held back
 * its top layer on loopback (`e2e/simulcast.test.ts` failed 4 of 4 runs beside a busy loop,
 * passed 4 of 4 at nice -10). docs/operations.md "Overload" says the same for a shared machine.
 */
export const OWN_MACHINE = { nice: -10 } as const;

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

/**
 * Starts `packages/server/src/main.ts` on a free port, with metrics on another free loopback port;
 * it must log at `info` for its "listening" line. It runs in one process (WORKERS=1) unless the
 * test asks for workers, or TEST_WORKERS=N runs every test against a primary with N workers. `node` runs it on another Node than the test's;
 * `nodeArgs` go to that Node (e.g. `--cpu-prof`, which NODE_OPTIONS does not take).
 *
 * `nice` is the priority it runs at where the test may set it (root); the test's own otherwise.
 */
export async function startServer(
  env: Record<string, string> = {},
  {
    node = process.execPath,
    nodeArgs = [],
    nice = getPriority(),
  }: { node?: string; nodeArgs?: readonly string[]; nice?: number } = {},
): Promise<ServerProcess> {
  const child = spawnAtPriority(nice, () =>
    spawn(node, [...nodeArgs, "--import", "tsx", MAIN], {
      env: {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        METRICS_ADDRESS: "127.0.0.1:0",
        LOG_LEVEL: "info",
        WORKERS: process.env.TEST_WORKERS ?? "1",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  const logs: string[] = [];
  const { port, metricsPort } = await new Promise<{
    port: number;
    metricsPort: number | null;
  }>((resolve, reject) => {
    // A loaded machine can take long to compile and start it; one that never starts is killed,
    // or its open pipes would keep the test process alive after the failure.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${logs.join("\n")}`));
    }, START_TIMEOUT_MS);
    const onLine = (line: string) => {
      logs.push(line);
      if (line.includes('"msg":"listening"')) {
        clearTimeout(timer);
        const { port, metricsPort } = JSON.parse(line);
        resolve({ port, metricsPort });
      }
    };
    for (const stream of [child.stdout, child.stderr]) {
      let buffer = "";
      stream?.setEncoding("utf8").on("data", (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const line of lines) onLine(line);
      });
    }
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${logs.join("\n")}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    metricsUrl: `http://127.0.0.1:${metricsPort}`,
    pid: child.pid ?? -1,
    logs,
    async stop(signal: NodeJS.Signals = "SIGTERM") {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await once(child, "exit");
      return code as number | null;
    },
  };
}

/**
 * Spawns at `nice` (a child inherits the priority of the thread that forks it), then puts this
 * thread back; without the right to raise it, at this thread's own.
 */
function spawnAtPriority(nice: number, start: () => ChildProcess): ChildProcess {
  const own = getPriority();
  let raised = false;
  try {
    if (nice !== own) {
      setPriority(nice);
      raised = true;
    }
  } catch {}
  try {
    return start();
  } finally {
    if (raised) setPriority(own);
  }
}
