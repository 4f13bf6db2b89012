import { randomBytes } from "node:crypto";
import { createClient } from "@redis/client";
import type { Logger } from "../logger.ts";
import { MeetingLeases } from "./meeting-lease.ts";
import type { RedisCommands } from "./redis-commands.ts";

/** What several machines sharing Redis need of it (DESIGN.md §5), as one process uses it. */
export interface Coordination {
  readonly redis: RedisCommands;
  readonly leases: MeetingLeases;
  /** This process's id as a lease holder: NODE_ID and a suffix new at every start. */
  readonly node: string;
  readonly leaseTtlMs: number;
  close(): Promise<void>;
}

export interface CoordinationConfig {
  readonly url: string;
  readonly nodeId: string;
  readonly leaseTtlMs: number;
}

/**
 * Connects to Redis (REDIS_URL). A process restarted under the same NODE_ID is a new holder, so
 * it cannot mistake the lease of the process it replaces for its own.
 */
export async function connectCoordination(
  config: CoordinationConfig,
  log: Logger,
): Promise<Coordination> {
  const client = createClient({ url: config.url });
  let down = false;
  client.on("error", (err: unknown) => {
    if (!down)
      log.warn(
        { err: String(err) },
        "Redis unreachable; meetings here stop when their leases run out",
      );
    down = true;
  });
  client.on("ready", () => {
    if (down) log.info("Redis reachable again");
    down = false;
  });
  await client.connect();
  const redis: RedisCommands = { sendCommand: (args) => client.sendCommand([...args]) };
  const node = `${config.nodeId}.${randomBytes(4).toString("hex")}`;
  log.info({ node }, "coordinating through Redis");
  return {
    redis,
    leases: new MeetingLeases(redis, node, config.leaseTtlMs),
    node,
    leaseTtlMs: config.leaseTtlMs,
    async close() {
      // Waits for what is on its way (the leases of meetings just closed being released).
      await client.close().catch(() => client.destroy());
    },
  };
}
