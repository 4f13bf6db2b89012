import type { RoomId } from "@conclave/protocol";
import { z } from "zod";
import type { RedisCommands } from "./redis-commands.ts";

/**
 * The lease by which one node owns a meeting when several machines share Redis (DESIGN.md §5):
 * at most one owner at a time, for `ttlMs` unless renewed, and with each new owner a larger
 * fencing token. Whatever the owner writes for the meeting goes through `write`, which Redis
 * refuses unless that owner still holds the lease under that token, so an owner that paused past
 * its lease (a long garbage collection, a stopped VM) cannot write after another took over.
 *
 * Keys: `conclave:meeting:<room>:owner` holds `<node> <token>` with the lease's expiry;
 * `conclave:meeting:<room>:fence` counts the tokens handed out, and never goes back.
 */
export type Lease =
  | { readonly held: true; readonly token: number }
  | { readonly held: false; readonly owner: string; readonly token: number };

const ownerKey = (room: RoomId) => `conclave:meeting:${room}:owner`;
const fenceKey = (room: RoomId) => `conclave:meeting:${room}:fence`;
const NODE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Takes the lease if nobody holds it, with a new token; else answers who holds it. */
const ACQUIRE = `
local owner = redis.call('GET', KEYS[1])
if owner then return {0, owner} end
local token = redis.call('INCR', KEYS[2])
local value = ARGV[1] .. ' ' .. token
redis.call('SET', KEYS[1], value, 'PX', ARGV[2])
return {1, value}`;
/** Extends the lease if `<node> <token>` still holds it. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
/** Ends the lease if `<node> <token>` still holds it. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
/** Sets KEYS[2] only while `<node> <token>` holds the lease: the fenced write. */
const WRITE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[2], ARGV[2]) return 1 end
return 0`;

const acquired = z.tuple([z.union([z.literal(0), z.literal(1)]), z.string()]);
const holder = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,64} [1-9][0-9]{0,15}$/)
  .transform((value) => {
    const [node = "", token = "0"] = value.split(" ");
    return { node, token: Number(token) };
  });
const done = z.union([z.literal(0), z.literal(1)]);

export class MeetingLeases {
  constructor(
    private readonly redis: RedisCommands,
    /** This node's id in the registry (node-registry.ts). */
    private readonly node: string,
    private readonly ttlMs: number,
  ) {
    if (!NODE_ID.test(node)) throw new Error("a node id is 1-64 letters, digits, _ . : -");
  }

  /** Takes `room`'s lease, or says which node holds it and under which token. */
  async acquire(room: RoomId): Promise<Lease> {
    const reply = await this.eval(
      ACQUIRE,
      [ownerKey(room), fenceKey(room)],
      [this.node, String(this.ttlMs)],
    );
    const [took, value] = acquired.parse(reply);
    const { node, token } = holder.parse(value);
    return took === 1 ? { held: true, token } : { held: false, owner: node, token };
  }

  /** Keeps the lease for another `ttlMs`; false when it was lost (expired, taken over). */
  async renew(room: RoomId, token: number): Promise<boolean> {
    const reply = await this.eval(RENEW, [ownerKey(room)], [this.mine(token), String(this.ttlMs)]);
    return done.parse(reply) === 1;
  }

  async release(room: RoomId, token: number): Promise<boolean> {
    return done.parse(await this.eval(RELEASE, [ownerKey(room)], [this.mine(token)])) === 1;
  }

  /**
   * Writes `value` under the meeting's `field` only while this node holds the lease under
   * `token`; false when Redis refused it (a stale owner).
   */
  async write(room: RoomId, token: number, field: string, value: string): Promise<boolean> {
    const key = `conclave:meeting:${room}:${field}`;
    const reply = await this.eval(WRITE, [ownerKey(room), key], [this.mine(token), value]);
    return done.parse(reply) === 1;
  }

  private mine(token: number): string {
    return `${this.node} ${token}`;
  }

  private eval(script: string, keys: readonly string[], args: readonly string[]) {
    return this.redis.sendCommand(["EVAL", script, String(keys.length), ...keys, ...args]);
  }
}
