import { randomBytes } from "node:crypto";
import { createClient } from "@redis/client";
import type { Logger } from "../logger.ts";
import { MeetingLeases } from "./meeting-lease.ts";
import { NodeRegistry } from "./node-registry.ts";
import type { RedisCommands } from "./redis-commands.ts";

/** What several machines sharing Redis need of it (DESIGN.md §5), as one process uses it. */
export interface Coordination {
  readonly redis: RedisCommands;
  readonly leases: MeetingLeases;
  /** The live nodes and where each is reached (node-registry.ts). */
  readonly registry: NodeRegistry;
  /** This process's id as a lease holder: NODE_ID and a suffix new at every start. */
  readonly node: string;
  readonly leaseTtlMs: number;
  /**
   * Says, every third of the lease's time, that this node is alive and reached at `url` (its
   * WebSocket endpoint, where other nodes forward connections), with its `load`; until stopped.
   */
  announce(url: string, load: () => number): void;
  /**
   * Says, now and from then on, that this node is draining: no other node forwards a connection
   * to it, and each waits for the leases it is about to release (meetings.ts).
   */
  drain(): Promise<void>;
  close(): Promise<void>;
}

export interface CoordinationConfig {
  readonly url: string;
  readonly nodeId: string;
  readonly leaseTtlMs: number;
  /** Where other nodes reach this one (NODE_URL); null: its own address and port. */
  readonly nodeUrl: string | null;
}

/**
 * Connects to Redis (REDIS_URL). A process restarted under the same NODE_ID is a new holder, so
 * it cannot mistake the lease of the process it replaces for its own.
 */
export async function connectCoordination(
  config: CoordinationConfig,
  log: Logger,
): Promise<Coordination> {
  // While Redis cannot be reached a command fails at once rather than wait in a queue: a join
  // is refused (SERVER_BUSY) and a lease runs out, instead of hanging until Redis is back.
  const client = createClient({
    url: config.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2000,
      reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000),
    },
  });
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
  const registry = new NodeRegistry(redis, config.leaseTtlMs);
  let announcing: ReturnType<typeof setInterval> | null = null;
  let say: (() => Promise<void>) | null = null;
  let draining = false;
  return {
    redis,
    leases: new MeetingLeases(redis, node, config.leaseTtlMs),
    registry,
    node,
    leaseTtlMs: config.leaseTtlMs,
    announce(url, load) {
      const entry = () => ({ id: node, address: url, load: load(), draining });
      say = () =>
        registry.announce(entry()).catch((err: unknown) => {
          log.debug({ err: String(err) }, "could not announce this node");
        });
      void say();
      announcing = setInterval(say, Math.max(100, Math.floor(config.leaseTtlMs / 3)));
    },
    async drain() {
      draining = true;
      await say?.();
    },
    async close() {
      if (announcing) clearInterval(announcing);
      await registry.withdraw(node).catch(() => {});
      // Waits for what is on its way (the leases of meetings just closed being released).
      await client.close().catch(() => client.destroy());
    },
  };
}
