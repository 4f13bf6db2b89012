import { startPrimary } from "./cluster/primary.ts";
import { type Config, ConfigError, describeConfig, readConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { isLoopback, isWildcard, machineName, servedAddresses } from "./machine-addresses.ts";
import { type RunningServer, startServer } from "./server.ts";
import { type Reach, startBanner } from "./start-banner.ts";

/** How much longer than its drain and lease a stop may take before the process just exits. */
const STOP_MARGIN_MS = 5000;

/** What a firewall in front of this server must let in for media, in one line. */
function mediaPorts(config: Config): string {
  const protocols = config.iceTcp ? "UDP and TCP" : "UDP";
  return config.rtcPortRange
    ? `${protocols} ports ${config.rtcPortRange[0]}-${config.rtcPortRange[1]}`
    : `${protocols}, on ports the system picks for each connection`;
}

/** What the banner says about where people can reach this server. */
function reachOf(config: Config, server: RunningServer): Reach {
  const served = servedAddresses(config.host);
  const name = isWildcard(config.host) ? machineName() : null;
  return {
    scheme: config.tls ? "https" : "http",
    port: server.port,
    local: isWildcard(config.host) || isLoopback(config.host),
    others: [...served.filter((a) => !isLoopback(a)), ...(name ? [name] : [])],
    selfSignedFingerprint: server.selfSignedFingerprint,
    media: mediaPorts(config),
    relays: config.turn?.urls ?? [],
  };
}

/** A bad value or a busy port ends the start with one line naming the variable, not a trace. */
async function orExit<T>(step: () => T | Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`conclave: ${error.message}`);
    process.exit(2);
  }
}

async function main(): Promise<void> {
  const config = await orExit(() => readConfig());
  const log = createLogger(config.logLevel);
  log.info({ config: describeConfig(config) }, "configuration");
  // WORKERS=1: everything in this process; more: a primary in front of one worker per core.
  const server = await orExit(() =>
    config.workers > 1 ? startPrimary(config, log) : startServer(config, log),
  );
  const scheme = config.tls ? "https" : "http";
  log.info(
    {
      port: server.port,
      url: `${scheme}://localhost:${server.port}`,
      metricsPort: server.metricsPort,
      workers: config.workers,
    },
    "listening",
  );
  // For people: stderr, so stdout stays one JSON line per event for operators' log collectors.
  process.stderr.write(startBanner(reachOf(config, server)));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "draining");
    // Whatever hangs (a client that never answers the close, Redis gone), the process ends.
    const boundMs = config.drainTimeoutMs + (config.redis?.leaseTtlMs ?? 0) + STOP_MARGIN_MS;
    setTimeout(() => {
      log.warn({ boundMs }, "the drain took too long; exiting");
      process.exit(1);
    }, boundMs).unref();
    server.drain().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, "drain failed");
        process.exit(1);
      },
    );
  };
  // SIGUSR2 takes the node out of service as SIGTERM does (docs/operations.md "Taking a node out
  // of service"), for supervisors that keep SIGTERM for something else.
  for (const signal of ["SIGTERM", "SIGINT", "SIGUSR2"] as const) {
    process.on(signal, () => stop(signal));
  }
}

main().catch((error: unknown) => {
  console.error("conclave: failed to start:", error);
  process.exit(1);
});
