export { type Config, readConfig } from "./config.ts";
export { createLogger } from "./logger.ts";
export { type RunningServer, startServer } from "./server.ts";
