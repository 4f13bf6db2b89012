import assert from "node:assert/strict";
import { type Bot, type BotEvents, joinBot } from "@conclave/bot";
import { createClient } from "@redis/client";
import { type Balancer, balancer } from "./balancer.ts";
import { decryptedFrom, exported } from "./bot-readings.ts";
import type { NetworkCut } from "./network-cut.ts";
import { type RedisProcess, startRedis } from "./redis-server.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

/**
 * Server nodes sharing a real redis-server, for the tests of several machines on one
 * (failover.test.ts, forwarding.test.ts): each node a server process on loopback with its own
 * slice of media ports, the bots that join them, the balancers in front, and a probe that reads
 * what Redis holds. `close()` stops them all, a paused node included.
 */
export const LEASE_TTL_MS = 1500;
/** Each node's media ports: its slice, apart from every other's and, by pid, other runs'. */
export const PORT_BASE = 20_000 + (process.pid % 180) * 200;

export interface RedisNodes {
  readonly redis: RedisProcess;
  /**
   * A node named `name` on media port slice `slice` (each test its own), with `workers`; `env`
   * sets more of its configuration, or other than these tests' (LEASE_TTL_MS, say).
   */
  node(
    name: string,
    slice: number,
    workers?: number,
    env?: Record<string, string>,
  ): Promise<ServerProcess>;
  join(url: string, name: string, reconnect?: boolean): Promise<Bot>;
  balancer(ports: readonly number[]): Promise<Balancer>;
  /** Something else to close at the end (a network cut). */
  keep(front: NetworkCut): void;
  /** The node id of the lease's holder in Redis (`<node id>.<suffix> <token>`), or null. */
  owner(room: string): Promise<string | null>;
  /** The Delivery Service's epoch as Redis holds it, or null. */
  storedEpoch(room: string): Promise<number | null>;
  /** Reads what Redis holds, as a node would not: for the tests' checks. */
  readonly probe: {
    get(key: string): Promise<string | null>;
    lRange(key: string, start: number, stop: number): Promise<string[]>;
  };
  close(): Promise<void>;
}

export async function redisNodes(): Promise<RedisNodes> {
  const redis = await startRedis();
  const probe = createClient({ url: redis.url });
  probe.on("error", () => {});
  await probe.connect();
  const nodes: ServerProcess[] = [];
  const fronts: { close(): Promise<void> }[] = [];
  const bots: Bot[] = [];
  return {
    redis,
    probe: {
      get: (key) => probe.get(key),
      lRange: (key, start, stop) => probe.lRange(key, start, stop),
    },
    async node(name, slice, workers = 1, env = {}) {
      const node = await startServer({
        WORKERS: String(workers),
        REDIS_URL: redis.url,
        NODE_ID: name,
        LEASE_TTL_MS: String(LEASE_TTL_MS),
        // The other nodes forward connections: the proxies whose X-Forwarded-For is believed.
        TRUSTED_PROXIES: "127.0.0.1",
        DRAIN_TIMEOUT_MS: "500",
        RTC_MIN_PORT: String(PORT_BASE + slice * 50),
        RTC_MAX_PORT: String(PORT_BASE + slice * 50 + 49),
        ...env,
      });
      nodes.push(node);
      return node;
    },
    async join(url, name, reconnect = true) {
      const bot = await joinBot({ url, name, reconnect });
      bots.push(bot);
      return bot;
    },
    async balancer(ports) {
      const front = await balancer(ports);
      fronts.push(front);
      return front;
    },
    keep: (front) => fronts.push(front),
    owner: async (room) =>
      (await probe.get(`conclave:meeting:${room}:owner`))?.split(".")[0] ?? null,
    async storedEpoch(room) {
      const state = await probe.get(`conclave:meeting:${room}:state`);
      return state === null ? null : (JSON.parse(state).delivery?.epoch as number);
    },
    async close() {
      for (const bot of bots) bot.close();
      for (const front of fronts) await front.close();
      for (const node of nodes) {
        try {
          process.kill(node.pid, "SIGCONT");
        } catch {}
        await node.stop();
      }
      probe.destroy();
      await redis.stop();
    },
  };
}

/** The arguments of `bot`'s next `event`; fails after `ms`. */
export function next<K extends keyof BotEvents>(
  bot: Bot,
  event: K,
  ms = 30_000,
): Promise<BotEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${bot.stats().name}'s ${event}`));
    }, ms);
    const off = bot.on(event, (...args) => {
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}

/** Where a bot is in the group: id, leaf, epoch. */
export const place = (bot: Bot) => ({
  id: bot.id,
  leaf: bot.crypto.member.ownLeaf,
  epoch: bot.crypto.member.epoch,
});

/**
 * A commit that was on its way as the node died settled: every member kept its leaf and is one
 * epoch past `epoch`, all with one exporter, and Redis holds that epoch.
 */
export async function expectOneCommitMore(
  nodes: RedisNodes,
  room: string,
  everyone: readonly Bot[],
  before: readonly ReturnType<typeof place>[],
  epoch: bigint,
): Promise<void> {
  assert.deepEqual(
    everyone.map(place),
    before.map((p) => ({ ...p, epoch: epoch + 1n })),
    "same leaves, one commit",
  );
  const exporter = await exported(everyone[0] as Bot);
  assert.deepEqual(
    await Promise.all(everyone.map(exported)),
    Array(everyone.length).fill(exporter),
  );
  assert.equal(await nodes.storedEpoch(room), Number(epoch + 1n));
}

export const everyoneDecrypts = (group: readonly Bot[], more = 50) =>
  waitFor("everyone to decrypt everyone", () =>
    group.every((r) => group.every((s) => r === s || decryptedFrom(r, s) > more)),
  );

/**
 * Every member made its first update since it joined (each joiner does, in turn: docs/e2ee.md
 * "Who commits"), none has a commit still on its way, and the group is on one epoch, the one
 * Redis holds: nothing more is due by itself, so an epoch added from here on is the scenario's.
 * A commit sent but not yet echoed left every count equal for a moment and passed for done.
 */
export const firstUpdatesIn = (nodes: RedisNodes, room: string, group: readonly Bot[]) =>
  waitFor("every member's first update in", async () => {
    const epoch = group[0]?.crypto.member.epoch;
    return (
      group.every(
        ({ crypto: { member } }) =>
          member.stats.commitsSent > 0 && !member.committing && member.epoch === epoch,
      ) && (await nodes.storedEpoch(room)) === Number(epoch)
    );
  });
