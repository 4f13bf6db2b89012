import type { DeliverySnapshot } from "@conclave/delivery-service";
import {
  PARTICIPANT_ID_PATTERN,
  type ParticipantId,
  parseServerMessage,
  type RoomId,
} from "@conclave/protocol";
import { z } from "zod";
import { HARD_FRAME_LIMIT } from "../listeners.ts";
import { MAX_REDEEMED_PER_PLACE } from "../redeemed-tokens.ts";
import type { RedisCommands } from "./redis-commands.ts";

/**
 * What a meeting's owner writes to Redis so that another node can carry the meeting on after the
 * owner died (DESIGN.md §5, docs/architecture.md "Many machines"): the Delivery Service's state,
 * the link in force, and for each place the participant's microphone and camera, the SHA-256 of
 * its resume token and of the tokens it already redeemed (redeemed-tokens.ts), and the ordered log
 * of Delivery Service messages sent to it, numbered as the client counts them
 * (`join.resume.received`); and for each knock waiting in the lobby its id, when it came and the
 * SHA-256 of its knock resume token, never its name. Only what the server sees anyway: ids,
 * digests, counts, times and MLS ciphertext as relayed. Never a key, the invite secret, a name or
 * plaintext.
 *
 * Every write is one Lua script that Redis runs only while `<node> <token>` holds the meeting's
 * lease (meeting-lease.ts), so a stale owner's write changes nothing. Keys, beside the lease's:
 * `…:state` (JSON), `…:places` (hash: participant → JSON), `…:base` (hash: participant → number of
 * the first message its log still holds), `…:knocks` (hash: knock → JSON), `…:log:<participant>`
 * (list of encoded messages).
 */
export interface StoredPlace {
  readonly id: ParticipantId;
  readonly audio: boolean;
  readonly video: boolean;
  /** SHA-256 of its resume token. */
  readonly digest: Buffer;
  /** SHA-256 of the tokens that already opened it, oldest first: refused if presented again. */
  readonly redeemed: readonly Buffer[];
  /** The number of `log`'s first message. */
  readonly base: number;
  readonly log: readonly string[];
}

/** A knock waiting in the lobby (lobby.ts): no name, its knocker says it again on its return. */
export interface StoredKnock {
  readonly id: ParticipantId;
  /** SHA-256 of its knock resume token. */
  readonly digest: Buffer;
  /** When it first knocked (ms since the epoch): its place in the queue and its time limit. */
  readonly since: number;
}

export interface StoredMeeting {
  readonly delivery: DeliverySnapshot | null;
  /** The digest of the link in force once replaced (meeting-link.ts), else null. */
  readonly link: string | null;
  readonly places: readonly StoredPlace[];
  /** Oldest first. */
  readonly knocks: readonly StoredKnock[];
}

/** One change to a place, written with the meeting's state in one script. */
export type PlaceChange =
  /** Seated (a join, a resume, an admitted knock); `fresh`: a new place, its log starts empty. */
  | {
      readonly kind: "seat";
      readonly id: ParticipantId;
      readonly audio: boolean;
      readonly video: boolean;
      readonly digest: Buffer;
      readonly fresh: boolean;
      readonly redeemed: readonly Buffer[];
    }
  /** Its microphone or camera changed (participant-updated). */
  | {
      readonly kind: "media";
      readonly id: ParticipantId;
      readonly audio: boolean;
      readonly video: boolean;
    }
  /** One Delivery Service message sent to (or kept for) its place, encoded. */
  | { readonly kind: "append"; readonly id: ParticipantId; readonly text: string }
  /** Its place is gone for good. */
  | { readonly kind: "drop"; readonly id: ParticipantId }
  /** A knock waits in the lobby, with a new knock resume token (`digest`). */
  | {
      readonly kind: "knock";
      readonly id: ParticipantId;
      readonly digest: Buffer;
      readonly since: number;
    }
  /** The knock waits no more (admitted, denied, gone). */
  | { readonly kind: "unknock"; readonly id: ParticipantId };

/** How many messages each place's log keeps: more than a reconnection ever needs to replay. */
const LOG_MESSAGES = 512;
/** Places and logs outlive a node that died for at most this long without a new owner. */
const PLACES_TTL_MS = 24 * 3600_000;

const key = (room: RoomId, part: string) => `conclave:meeting:${room}:${part}`;

const WRITE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] ~= '' then redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[2]) end
if ARGV[4] == '1' then redis.call('DEL', KEYS[3], KEYS[4], KEYS[5]) end
for i, op in ipairs(cjson.decode(ARGV[5])) do
  local log = KEYS[5 + i]
  if op.k == 'knock' then
    redis.call('HSET', KEYS[5], op.p, op.v)
  elseif op.k == 'unknock' then
    redis.call('HDEL', KEYS[5], op.p)
  elseif op.k == 'seat' then
    redis.call('HSET', KEYS[3], op.p, op.v)
    if op.fresh then redis.call('DEL', log) redis.call('HSET', KEYS[4], op.p, 0) end
  elseif op.k == 'append' then
    local n = redis.call('RPUSH', log, op.v)
    if n > ${LOG_MESSAGES} then
      redis.call('LPOP', log, n - ${LOG_MESSAGES})
      redis.call('HINCRBY', KEYS[4], op.p, n - ${LOG_MESSAGES})
    end
    redis.call('PEXPIRE', log, ${PLACES_TTL_MS})
  elseif op.k == 'media' then
    local place = redis.call('HGET', KEYS[3], op.p)
    if place then
      local p = cjson.decode(place)
      p.audio = op.audio
      p.video = op.video
      redis.call('HSET', KEYS[3], op.p, cjson.encode(p))
    end
  else
    redis.call('HDEL', KEYS[3], op.p) redis.call('HDEL', KEYS[4], op.p) redis.call('DEL', log)
  end
end
redis.call('PEXPIRE', KEYS[3], ${PLACES_TTL_MS})
redis.call('PEXPIRE', KEYS[4], ${PLACES_TTL_MS})
redis.call('PEXPIRE', KEYS[5], ${PLACES_TTL_MS})
return 1`;
/** Keeps the state alive with the lease (a quiet meeting writes nothing for long). */
const KEEP = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`;
/** The meeting ended: what was kept for it goes. */
const FORGET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return 1`;

const participantId = z
  .string()
  .regex(PARTICIPANT_ID_PATTERN)
  .transform((id) => id as ParticipantId);
const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const stateSchema = z.strictObject({
  delivery: z
    .strictObject({
      groupId: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
      epoch: count,
      leaves: z.array(z.tuple([count, participantId.nullable()])).max(10_000),
      settings: z.strictObject({
        lobbyMandatory: z.boolean(),
        knockingEnabled: z.boolean(),
        locked: z.boolean(),
      }),
    })
    .nullable(),
  link: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .nullable(),
});
const digestHex = z.string().regex(/^[0-9a-f]{64}$/);
const placeSchema = z.strictObject({
  audio: z.boolean(),
  video: z.boolean(),
  digest: digestHex,
  // One string of digests, space-separated: the script's cjson would rewrite an empty list as an
  // object. Absent in what a node wrote before redeemed tokens were journaled.
  redeemed: z
    .string()
    .max(65 * MAX_REDEEMED_PER_PLACE)
    .transform((joined) => (joined === "" ? [] : joined.split(" ")))
    .pipe(z.array(digestHex))
    .default([]),
});
const knockSchema = z.strictObject({
  digest: digestHex,
  since: count,
});
/** At most this many knocks wait in a lobby (lobby.ts); more in a record is not an owner's. */
const MAX_STORED_KNOCKS = 100;
const done = z.union([z.literal(0), z.literal(1)]);
const text = z.string().max(HARD_FRAME_LIMIT);
const list = z.array(text).max(20_000);
/** A hash as HGETALL answers it: a flat list of fields and values (RESP2) or a map (RESP3). */
const hash = z
  .union([
    list.transform((flat) => {
      const pairs: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) pairs.push([flat[i] ?? "", flat[i + 1] ?? ""]);
      return pairs;
    }),
    z.record(z.string(), text).transform((map) => Object.entries(map)),
  ])
  .refine((pairs) => pairs.length <= 10_000);
const json = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
};
/** A logged message must be a Delivery Service message, valid as the client would parse it. */
const isDeliveryMessage = (raw: string): boolean => {
  try {
    return parseServerMessage(raw).type.startsWith("mls-");
  } catch {
    return false;
  }
};

/** One meeting's record in Redis, written under the lease `<node> <token>`. */
export class MeetingJournal {
  private readonly holder: string;

  constructor(
    private readonly redis: RedisCommands,
    private readonly room: RoomId,
    node: string,
    token: number,
    /** How long the state outlives a silent owner: the lease and the reconnection window. */
    private readonly stateTtlMs: number,
  ) {
    this.holder = `${node} ${token}`;
  }

  /**
   * Writes the meeting's state (unless null) and the place changes, in order, in one script;
   * `reset` first clears the places of a meeting that ended earlier under this room id.
   * False when Redis refused it: this node no longer holds the lease under its token.
   */
  async write(
    state: { delivery: DeliverySnapshot | null; link: string | null } | null,
    changes: readonly PlaceChange[],
    reset = false,
  ): Promise<boolean> {
    const ops = changes.map((change) => {
      if (change.kind === "append") return { k: "append", p: change.id, v: change.text };
      if (change.kind === "drop") return { k: "drop", p: change.id };
      if (change.kind === "unknock") return { k: "unknock", p: change.id };
      if (change.kind === "knock") {
        const value = JSON.stringify({
          digest: change.digest.toString("hex"),
          since: change.since,
        });
        return { k: "knock", p: change.id, v: value };
      }
      if (change.kind === "media") {
        return { k: "media", p: change.id, audio: change.audio, video: change.video };
      }
      const { audio, video, digest } = change;
      const value = JSON.stringify({
        audio,
        video,
        digest: digest.toString("hex"),
        redeemed: change.redeemed.map((used) => used.toString("hex")).join(" "),
      });
      return { k: "seat", p: change.id, v: value, fresh: change.fresh };
    });
    const keys = [
      key(this.room, "owner"),
      key(this.room, "state"),
      key(this.room, "places"),
      key(this.room, "base"),
      key(this.room, "knocks"),
      ...changes.map((c) => key(this.room, `log:${c.id}`)),
    ];
    const args = [
      this.holder,
      String(this.stateTtlMs),
      state ? JSON.stringify(state) : "",
      reset ? "1" : "0",
      JSON.stringify(ops),
    ];
    return done.parse(await this.eval(WRITE, keys, args)) === 1;
  }

  /** Extends the state's life with the lease's; false when the lease is no longer ours. */
  async keep(): Promise<boolean> {
    const keys = [key(this.room, "owner"), key(this.room, "state")];
    return done.parse(await this.eval(KEEP, keys, [this.holder, String(this.stateTtlMs)])) === 1;
  }

  async forget(): Promise<boolean> {
    const parts = ["owner", "state", "places", "base", "knocks"];
    const keys = parts.map((part) => key(this.room, part));
    return done.parse(await this.eval(FORGET, keys, [this.holder])) === 1;
  }

  private eval(script: string, keys: readonly string[], args: readonly string[]) {
    return this.redis.sendCommand(["EVAL", script, String(keys.length), ...keys, ...args]);
  }
}

/**
 * What Redis holds for `room`, read by the node that just took its lease; null when nothing is
 * (a new meeting). Everything is parsed as input: a value that is not what an owner writes makes
 * the whole record unusable (Error), and a place whose log holds anything but a Delivery Service
 * message is left out (its owner joins afresh).
 */
export async function loadMeeting(
  redis: RedisCommands,
  room: RoomId,
): Promise<StoredMeeting | null> {
  const rawState = z
    .string()
    .nullable()
    .parse(await redis.sendCommand(["GET", key(room, "state")]));
  if (rawState === null) return null;
  const state = stateSchema.parse(json(rawState));
  const places = hash.parse(await redis.sendCommand(["HGETALL", key(room, "places")]));
  const bases = new Map(hash.parse(await redis.sendCommand(["HGETALL", key(room, "base")])));
  const stored: StoredPlace[] = [];
  for (const [field, value] of places) {
    const id = participantId.safeParse(field);
    const place = placeSchema.safeParse(json(value));
    const base = count.safeParse(Number(bases.get(field)));
    if (!id.success || !place.success || !base.success) continue;
    const log = list.parse(
      await redis.sendCommand(["LRANGE", key(room, `log:${id.data}`), "0", "-1"]),
    );
    if (!log.every(isDeliveryMessage)) continue;
    const { audio, video, digest, redeemed } = place.data;
    stored.push({
      id: id.data,
      audio,
      video,
      digest: Buffer.from(digest, "hex"),
      redeemed: redeemed.map((used) => Buffer.from(used, "hex")),
      base: base.data,
      log,
    });
  }
  return {
    delivery: state.delivery,
    link: state.link,
    places: stored,
    knocks: await loadKnocks(redis, room),
  };
}

/** The knocks a record holds, oldest first; an entry that is not an owner's is left out. */
async function loadKnocks(redis: RedisCommands, room: RoomId): Promise<StoredKnock[]> {
  const entries = hash.parse(await redis.sendCommand(["HGETALL", key(room, "knocks")]));
  const knocks: StoredKnock[] = [];
  for (const [field, value] of entries.slice(0, MAX_STORED_KNOCKS)) {
    const id = participantId.safeParse(field);
    const knock = knockSchema.safeParse(json(value));
    if (!id.success || !knock.success) continue;
    const { digest, since } = knock.data;
    knocks.push({ id: id.data, digest: Buffer.from(digest, "hex"), since });
  }
  return knocks.sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : 1));
}
