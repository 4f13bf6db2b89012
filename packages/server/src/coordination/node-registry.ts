import { z } from "zod";
import type { RedisCommands } from "./redis-commands.ts";

/**
 * The nodes of a deployment on several machines, in Redis (DESIGN.md §5): each node says every
 * `ttlMs / 3` that it is alive, where it is reached and how loaded it is; a node that stops saying
 * so drops out after `ttlMs`. A connection that reaches a node which does not own its meeting is
 * forwarded to the owner's `address`, unless the owner is draining (then the node waits for the
 * lease the owner is about to release).
 *
 * Keys: the sorted set `conclave:nodes` (node id, scored by when its entry expires) and one
 * `conclave:node:<id>` string each, holding its JSON entry with the same expiry.
 */
export const nodeEntrySchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/),
  /** Where other nodes forward connections to it: `host:port`. */
  address: z.string().max(300),
  /** Its forwarding work (placement.ts's weight), summed over its workers. */
  load: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /**
   * Being taken out of service (docs/operations.md "Taking a node out of service"): it hands its
   * meetings off and takes no new one, so no connection is forwarded to it.
   */
  draining: z.boolean().default(false),
});
export type NodeEntry = z.infer<typeof nodeEntrySchema>;

const NODES = "conclave:nodes";
const entryKey = (id: string) => `conclave:node:${id}`;
const ids = z.array(z.string());
const entries = z.array(z.string().nullable());

export class NodeRegistry {
  constructor(
    private readonly redis: RedisCommands,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Says `entry`'s node is alive for another `ttlMs`. */
  async announce(entry: z.input<typeof nodeEntrySchema>): Promise<void> {
    const valid = nodeEntrySchema.parse(entry);
    const expires = this.now() + this.ttlMs;
    await this.redis.sendCommand([
      "SET",
      entryKey(valid.id),
      JSON.stringify(valid),
      "PX",
      String(this.ttlMs),
    ]);
    await this.redis.sendCommand(["ZADD", NODES, String(expires), valid.id]);
  }

  /** Takes the node out at once (a drain). */
  async withdraw(id: string): Promise<void> {
    await this.redis.sendCommand(["ZREM", NODES, id]);
    await this.redis.sendCommand(["DEL", entryKey(id)]);
  }

  /**
   * The live nodes, least loaded first. Entries that expired are removed; an entry that is not a
   * node entry (written by something else) is left out.
   */
  async live(): Promise<NodeEntry[]> {
    await this.redis.sendCommand(["ZREMRANGEBYSCORE", NODES, "-inf", String(this.now())]);
    const live = ids.parse(await this.redis.sendCommand(["ZRANGE", NODES, "0", "-1"]));
    if (live.length === 0) return [];
    const raw = entries.parse(await this.redis.sendCommand(["MGET", ...live.map(entryKey)]));
    const found: NodeEntry[] = [];
    for (const text of raw) {
      const entry = text === null ? null : parseEntry(text);
      if (entry) found.push(entry);
    }
    return found.sort((a, b) => a.load - b.load || a.id.localeCompare(b.id));
  }
}

function parseEntry(text: string): NodeEntry | null {
  try {
    const parsed = nodeEntrySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
