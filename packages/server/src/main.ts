import { ConfigError, describeConfig, readConfig } from "./config.ts";
import { createLogger } from "./logger.ts";
import { startServer } from "./server.ts";

async function main(): Promise<void> {
  let config: ReturnType<typeof readConfig>;
  try {
    config = readConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`conclave: ${error.message}`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  log.info({ config: describeConfig(config) }, "configuration");
  const server = await startServer(config, log);
  const scheme = config.tls ? "https" : "http";
  log.info(
    {
      port: server.port,
      url: `${scheme}://localhost:${server.port}`,
      metricsPort: server.metricsPort,
    },
    "listening",
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "draining");
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
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  console.error("conclave: failed to start:", error);
  process.exit(1);
});
