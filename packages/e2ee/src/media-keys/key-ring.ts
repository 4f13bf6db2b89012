// The media key ring: turns each MLS epoch's base keys (key-schedule.ts) into SFrame keys, one per
// sender and stream (kid.ts), in two SframeContexts (one per suite: audio and video).
//
// - Our own streams get encryption keys when the epoch is installed. Another member's stream gets
//   its decryption key when its first frame of the epoch arrives: of 7 streams per member most
//   never send, and deriving them all at every epoch cost each device ~700 HKDF runs per epoch in a
//   100-person meeting. Only KIDs of the epoch's members are derived, never our own, so what a
//   frame can make the ring derive is bounded by what eager derivation did.
// - A new epoch replaces our encryption keys at once; the previous epoch keeps decrypting for a
//   grace period (frames already in flight), then its keys and base keys go. A KID whose epoch
//   bits are those of the next epoch can be recognised, so the caller may hold such a frame
//   briefly instead of dropping it while its own commit processing catches up.
// - RFC 9605 §5.2: when a new epoch has the same low epoch bits as a retained one, the old one is
//   removed first.
// - Counters live in the SframeContext, one per KID, never reset, not even when a stream stops and
//   starts again (setOwnStreams). Each key's counter and replay window are also kept in the ring's
//   NonceLedger by epoch authenticator and KID: the member engine hands one ledger to every ring
//   it makes, so one epoch's keys installed again in a *new* ring (after a rollback) carry on
//   instead of restarting at 0. A restarted worker has a fresh ledger: it must not send until the
//   next epoch gives it fresh base keys.
//
// Expiry is checked on every call against `now()` (no timers), so it is deterministic in tests.
import { E2eeUsageError } from "../errors.ts";
import { CONCLAVE_GROUP_PIN, type GroupPin } from "../mls/group-pin.ts";
import {
  createSframeContext,
  type DecryptResult,
  type EncryptResult,
  type SframeContext,
} from "../sframe/context.ts";
import { decodeHeader } from "../sframe/header.ts";
import type { EpochMediaKeys } from "./key-schedule.ts";
import { decodeKid, encodeKid, epochBitsOf, KID_EPOCH_BITS, MAX_KID_SENDER } from "./kid.ts";
import { NonceLedger } from "./nonce-ledger.ts";
import {
  ALL_STREAMS,
  type MediaKind,
  mediaKindOf,
  type StreamContext,
  suiteForStream,
} from "./stream-context.ts";

export const DEFAULT_GRACE_PERIOD_MS = 2000;

export type KidEpochClass = "current" | "previous" | "next" | "unknown";

export interface MediaKeyRingOptions {
  /** the group's pin: which suites to use (default Conclave's) */
  readonly pin?: GroupPin;
  /** how long previous-epoch decryption keys are kept, in ms (default 2000) */
  readonly gracePeriodMs?: number;
  /** the clock, in ms (default Date.now) */
  readonly now?: () => number;
  /** the streams we send (default all) */
  readonly ownStreams?: readonly StreamContext[];
  /** counters and replay windows by epoch and KID, shared with the rings before and after */
  readonly ledger?: NonceLedger;
}

export interface MediaKeyRing {
  readonly contexts: Readonly<Record<MediaKind, SframeContext>>;
  readonly currentEpoch: bigint | undefined;
  /** Installs an epoch's keys; the caller erases `keys` afterwards (eraseEpochMediaKeys). */
  installEpoch(keys: EpochMediaKeys): Promise<void>;
  /** Which of our streams have encryption keys; a stream started again keeps its counter. */
  setOwnStreams(streams: readonly StreamContext[]): Promise<void>;
  /** The KID our `stream` sends with now, if it has a key. */
  sendKid(stream: StreamContext): bigint | undefined;
  encrypt(stream: StreamContext, metadata: Uint8Array, payload: Uint8Array): Promise<EncryptResult>;
  /** Decrypts a frame of any stream, routed by the KID in its header. Never throws. */
  decrypt(metadata: Uint8Array, frame: Uint8Array): Promise<DecryptResult>;
  classifyKid(kid: bigint): KidEpochClass;
  /** True if `kid` is from the epoch after ours: worth holding briefly, not dropping. */
  isNextEpochKid(kid: bigint): boolean;
  /** Removes previous-epoch keys whose grace period is over (also done by every other call). */
  prune(): void;
  close(): void;
}

interface EpochEntry {
  readonly epoch: bigint;
  readonly authenticator: Uint8Array;
  readonly bits: number;
  readonly ownLeafIndex: number;
  /** the other members' leaves: the senders whose KIDs may get a key */
  readonly senders: ReadonlySet<number>;
  /** decryption keys derived or deriving, by KID */
  readonly decryptKeys: Map<bigint, Promise<boolean>>;
  /** kept until the epoch is dropped: a stream may start sending, or first arrive, any time before */
  readonly baseKeys: Record<MediaKind, Uint8Array>;
  retireAt: number | undefined;
}

export function createMediaKeyRing(options: MediaKeyRingOptions = {}): MediaKeyRing {
  return new KeyRing(options);
}

class KeyRing implements MediaKeyRing {
  readonly contexts: Record<MediaKind, SframeContext>;
  readonly #grace: number;
  readonly #now: () => number;
  readonly #ledger: NonceLedger;
  #ownStreams: Set<StreamContext>;
  #current: EpochEntry | undefined;
  #retiring: EpochEntry[] = [];

  constructor(options: MediaKeyRingOptions) {
    const pin = options.pin ?? CONCLAVE_GROUP_PIN;
    const grace = options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
    if (!Number.isFinite(grace) || grace < 0) {
      throw new E2eeUsageError("grace period must be >= 0");
    }
    this.#grace = grace;
    this.#now = options.now ?? Date.now;
    this.#ledger = options.ledger ?? new NonceLedger();
    this.contexts = {
      audio: createSframeContext({ suite: suiteForStream("microphone", pin) }),
      video: createSframeContext({ suite: suiteForStream("camera", pin) }),
    };
    this.#ownStreams = new Set<StreamContext>(options.ownStreams ?? ALL_STREAMS);
  }

  get currentEpoch(): bigint | undefined {
    return this.#current?.epoch;
  }

  async installEpoch(keys: EpochMediaKeys): Promise<void> {
    const current = this.#current;
    if (current !== undefined && keys.epoch <= current.epoch) {
      throw new E2eeUsageError(`epoch ${keys.epoch} is not after ${current.epoch}`);
    }
    if (keys.memberLeafIndexes.some((leaf) => leaf > MAX_KID_SENDER)) {
      throw new E2eeUsageError(`leaf indexes above ${MAX_KID_SENDER} do not fit a KID`);
    }
    this.prune();
    const bits = epochBitsOf(keys.epoch);
    // RFC 9605 §5.2: an old epoch with the same low bits goes before the new one comes in.
    for (const entry of this.#retiring.filter((e) => e.bits === bits)) this.#drop(entry);
    this.#retiring = this.#retiring.filter((e) => e.bits !== bits);
    if (current !== undefined) this.#retire(current, bits);
    const entry: EpochEntry = {
      epoch: keys.epoch,
      authenticator: keys.epochAuthenticator.slice(),
      bits,
      ownLeafIndex: keys.ownLeafIndex,
      senders: new Set(keys.memberLeafIndexes.filter((leaf) => leaf !== keys.ownLeafIndex)),
      decryptKeys: new Map(),
      baseKeys: { audio: keys.baseKeys.audio.slice(), video: keys.baseKeys.video.slice() },
      retireAt: undefined,
    };
    this.#current = entry;
    await this.#addOwnKeys(entry, this.#ownStreams);
  }

  async setOwnStreams(streams: readonly StreamContext[]): Promise<void> {
    const next = new Set(streams);
    const current = this.#current;
    if (current !== undefined) {
      const before = this.#ownStreams;
      this.#removeOwnKeys(
        current,
        [...before].filter((s) => !next.has(s)),
      );
      await this.#addOwnKeys(
        current,
        [...next].filter((s) => !before.has(s)),
      );
    }
    this.#ownStreams = next;
  }

  sendKid(stream: StreamContext): bigint | undefined {
    const current = this.#current;
    if (current === undefined || !this.#ownStreams.has(stream)) return undefined;
    return encodeKid(stream, current.ownLeafIndex, current.epoch);
  }

  async encrypt(stream: StreamContext, metadata: Uint8Array, payload: Uint8Array) {
    this.prune();
    const kid = this.sendKid(stream);
    if (kid === undefined) return { ok: false, reason: "unknown-kid" } as const;
    return this.#contextOf(stream).encrypt(kid, undefined, metadata, payload);
  }

  async decrypt(metadata: Uint8Array, frame: Uint8Array): Promise<DecryptResult> {
    this.prune();
    const header = decodeHeader(frame);
    if (!header.ok) {
      return { ok: false, reason: header.reason === "truncated" ? "truncated" : "malformed" };
    }
    const parts = decodeKid(header.header.kid);
    if (parts === undefined) return { ok: false, reason: "unknown-kid" };
    const entry = this.#entryOf(parts.epochBits);
    if (entry === undefined || !entry.senders.has(parts.sender)) {
      return { ok: false, reason: "unknown-kid" };
    }
    if (!(await this.#decryptKey(entry, header.header.kid, parts.stream))) {
      return { ok: false, reason: "unknown-kid" };
    }
    return this.#contextOf(parts.stream).decrypt(metadata, frame);
  }

  classifyKid(kid: bigint): KidEpochClass {
    this.prune();
    const parts = decodeKid(kid);
    const current = this.#current;
    if (parts === undefined || current === undefined) return "unknown";
    if (parts.epochBits === current.bits) return "current";
    if (this.#retiring.some((entry) => entry.bits === parts.epochBits)) return "previous";
    if (parts.epochBits === (current.bits + 1) % (1 << KID_EPOCH_BITS)) return "next";
    return "unknown";
  }

  isNextEpochKid(kid: bigint): boolean {
    return this.classifyKid(kid) === "next";
  }

  prune(): void {
    const at = this.#now();
    const expired = this.#retiring.filter((e) => (e.retireAt ?? 0) <= at);
    this.#retiring = this.#retiring.filter((e) => (e.retireAt ?? 0) > at);
    for (const entry of expired) this.#drop(entry);
  }

  close(): void {
    const current = this.#current;
    if (current !== undefined) {
      this.#removeOwnKeys(current, this.#ownStreams);
      this.#drop(current);
    }
    for (const entry of this.#retiring) this.#drop(entry);
    this.#current = undefined;
    this.#retiring = [];
  }

  #contextOf(stream: StreamContext): SframeContext {
    return this.contexts[mediaKindOf(stream)];
  }

  /** The installed epoch whose KIDs carry these low bits (§5.2 keeps at most one). */
  #entryOf(bits: number): EpochEntry | undefined {
    if (this.#current?.bits === bits) return this.#current;
    return this.#retiring.find((entry) => entry.bits === bits);
  }

  /** Derives `kid`'s decryption key once; frames arriving meanwhile wait for the same derivation. */
  #decryptKey(entry: EpochEntry, kid: bigint, stream: StreamContext): Promise<boolean> {
    let ready = entry.decryptKeys.get(kid);
    if (ready === undefined) {
      const kind = mediaKindOf(stream);
      const progress = this.#ledger.progressOf(entry.authenticator, kid);
      ready = this.contexts[kind].addKey(kid, entry.baseKeys[kind], "decrypt", progress).then(
        // false if the epoch was dropped while deriving: the context then kept no key
        () => entry.decryptKeys.has(kid),
        () => false,
      );
      entry.decryptKeys.set(kid, ready);
    }
    return ready;
  }

  /** The epoch before `bits` stops sending at once and decrypts for the grace period. */
  #retire(current: EpochEntry, bits: number): void {
    this.#removeOwnKeys(current, this.#ownStreams);
    if (current.bits === bits) {
      this.#drop(current);
      return;
    }
    current.retireAt = this.#now() + this.#grace;
    this.#retiring.push(current);
  }

  #drop(entry: EpochEntry): void {
    for (const kid of entry.decryptKeys.keys()) {
      const parts = decodeKid(kid);
      if (parts !== undefined) this.#contextOf(parts.stream).removeKey(kid);
    }
    entry.decryptKeys.clear();
    entry.baseKeys.audio.fill(0);
    entry.baseKeys.video.fill(0);
  }

  #removeOwnKeys(entry: EpochEntry, streams: Iterable<StreamContext>): void {
    for (const stream of streams) {
      this.#contextOf(stream).removeKey(encodeKid(stream, entry.ownLeafIndex, entry.epoch));
    }
  }

  async #addOwnKeys(entry: EpochEntry, streams: Iterable<StreamContext>): Promise<void> {
    const jobs = [...streams].map((stream) => {
      const kid = encodeKid(stream, entry.ownLeafIndex, entry.epoch);
      const progress = this.#ledger.progressOf(entry.authenticator, kid);
      return this.#contextOf(stream).addKey(
        kid,
        entry.baseKeys[mediaKindOf(stream)],
        "encrypt",
        progress,
      );
    });
    await Promise.all(jobs);
  }
}
