// The media key ring: turns each MLS epoch's base keys (key-schedule.ts) into SFrame keys, one per
// sender and stream (kid.ts), in two SframeContexts (one per suite: audio and video).
//
// - Our own streams get encryption keys; every other member's streams get decryption keys.
// - A new epoch replaces our encryption keys at once; the previous epoch's decryption keys stay for
//   a grace period (frames already in flight), then go. A KID whose epoch bits are those of the
//   next epoch can be recognised, so the caller may hold such a frame briefly instead of dropping
//   it while its own commit processing catches up.
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

interface InstalledKey {
  readonly kid: bigint;
  readonly kind: MediaKind;
}

interface EpochEntry {
  readonly epoch: bigint;
  readonly authenticator: Uint8Array;
  readonly bits: number;
  readonly ownLeafIndex: number;
  decryptKeys: InstalledKey[];
  /** our own base keys, kept while the epoch is current so a stream can be started again */
  readonly baseKeys: Record<MediaKind, Uint8Array>;
  retireAt: number | undefined;
}

export function createMediaKeyRing(options: MediaKeyRingOptions = {}): MediaKeyRing {
  const pin = options.pin ?? CONCLAVE_GROUP_PIN;
  const grace = options.gracePeriodMs ?? DEFAULT_GRACE_PERIOD_MS;
  if (!Number.isFinite(grace) || grace < 0) throw new E2eeUsageError("grace period must be >= 0");
  const now = options.now ?? Date.now;
  const ledger = options.ledger ?? new NonceLedger();
  const contexts: Record<MediaKind, SframeContext> = {
    audio: createSframeContext({ suite: suiteForStream("microphone", pin) }),
    video: createSframeContext({ suite: suiteForStream("camera", pin) }),
  };
  let ownStreams = new Set<StreamContext>(options.ownStreams ?? ALL_STREAMS);
  let current: EpochEntry | undefined;
  let retiring: EpochEntry[] = [];
  const contextOf = (stream: StreamContext) => contexts[mediaKindOf(stream)];

  function drop(entry: EpochEntry): void {
    for (const { kid, kind } of entry.decryptKeys) contexts[kind].removeKey(kid);
    entry.decryptKeys = [];
    entry.baseKeys.audio.fill(0);
    entry.baseKeys.video.fill(0);
  }

  function removeOwnKeys(entry: EpochEntry, streams: Iterable<StreamContext>): void {
    for (const stream of streams) {
      contextOf(stream).removeKey(encodeKid(stream, entry.ownLeafIndex, entry.epoch));
    }
  }

  async function addOwnKeys(entry: EpochEntry, streams: Iterable<StreamContext>): Promise<void> {
    const jobs = [...streams].map((stream) => {
      const kid = encodeKid(stream, entry.ownLeafIndex, entry.epoch);
      const progress = ledger.progressOf(entry.authenticator, kid);
      return contextOf(stream).addKey(
        kid,
        entry.baseKeys[mediaKindOf(stream)],
        "encrypt",
        progress,
      );
    });
    await Promise.all(jobs);
  }

  function prune(): void {
    const at = now();
    const [expired, kept] = [
      retiring.filter((e) => (e.retireAt ?? 0) <= at),
      retiring.filter((e) => (e.retireAt ?? 0) > at),
    ];
    for (const entry of expired) drop(entry);
    retiring = kept;
  }

  async function installEpoch(keys: EpochMediaKeys): Promise<void> {
    if (current !== undefined && keys.epoch <= current.epoch) {
      throw new E2eeUsageError(`epoch ${keys.epoch} is not after ${current.epoch}`);
    }
    if (keys.memberLeafIndexes.some((leaf) => leaf > MAX_KID_SENDER)) {
      throw new E2eeUsageError(`leaf indexes above ${MAX_KID_SENDER} do not fit a KID`);
    }
    prune();
    const bits = epochBitsOf(keys.epoch);
    // RFC 9605 §5.2: an old epoch with the same low bits goes before the new one comes in.
    for (const entry of retiring.filter((e) => e.bits === bits)) drop(entry);
    retiring = retiring.filter((e) => e.bits !== bits);
    if (current !== undefined) {
      removeOwnKeys(current, ownStreams);
      if (current.bits === bits) drop(current);
      else {
        current.retireAt = now() + grace;
        current.baseKeys.audio.fill(0);
        current.baseKeys.video.fill(0);
        retiring.push(current);
      }
    }
    const entry: EpochEntry = {
      epoch: keys.epoch,
      authenticator: keys.epochAuthenticator.slice(),
      bits,
      ownLeafIndex: keys.ownLeafIndex,
      decryptKeys: [],
      baseKeys: { audio: keys.baseKeys.audio.slice(), video: keys.baseKeys.video.slice() },
      retireAt: undefined,
    };
    current = entry;
    const jobs: Promise<void>[] = [];
    for (const member of keys.memberLeafIndexes) {
      if (member === keys.ownLeafIndex) continue;
      for (const stream of ALL_STREAMS) {
        const kid = encodeKid(stream, member, keys.epoch);
        const kind = mediaKindOf(stream);
        entry.decryptKeys.push({ kid, kind });
        const progress = ledger.progressOf(entry.authenticator, kid);
        jobs.push(contexts[kind].addKey(kid, entry.baseKeys[kind], "decrypt", progress));
      }
    }
    jobs.push(addOwnKeys(entry, ownStreams));
    await Promise.all(jobs);
  }

  async function setOwnStreams(streams: readonly StreamContext[]): Promise<void> {
    const next = new Set(streams);
    if (current !== undefined) {
      removeOwnKeys(
        current,
        [...ownStreams].filter((s) => !next.has(s)),
      );
      await addOwnKeys(
        current,
        [...next].filter((s) => !ownStreams.has(s)),
      );
    }
    ownStreams = next;
  }

  function sendKid(stream: StreamContext): bigint | undefined {
    if (current === undefined || !ownStreams.has(stream)) return undefined;
    return encodeKid(stream, current.ownLeafIndex, current.epoch);
  }

  async function encrypt(stream: StreamContext, metadata: Uint8Array, payload: Uint8Array) {
    prune();
    const kid = sendKid(stream);
    if (kid === undefined) return { ok: false, reason: "unknown-kid" } as const;
    return contextOf(stream).encrypt(kid, undefined, metadata, payload);
  }

  async function decrypt(metadata: Uint8Array, frame: Uint8Array): Promise<DecryptResult> {
    prune();
    const header = decodeHeader(frame);
    if (!header.ok) {
      return { ok: false, reason: header.reason === "truncated" ? "truncated" : "malformed" };
    }
    const parts = decodeKid(header.header.kid);
    if (parts === undefined) return { ok: false, reason: "unknown-kid" };
    return contextOf(parts.stream).decrypt(metadata, frame);
  }

  function classifyKid(kid: bigint): KidEpochClass {
    prune();
    const parts = decodeKid(kid);
    if (parts === undefined || current === undefined) return "unknown";
    if (parts.epochBits === current.bits) return "current";
    if (retiring.some((entry) => entry.bits === parts.epochBits)) return "previous";
    if (parts.epochBits === (current.bits + 1) % (1 << KID_EPOCH_BITS)) return "next";
    return "unknown";
  }

  function close(): void {
    if (current !== undefined) {
      removeOwnKeys(current, ownStreams);
      drop(current);
    }
    for (const entry of retiring) drop(entry);
    current = undefined;
    retiring = [];
  }

  return {
    contexts,
    get currentEpoch() {
      return current?.epoch;
    },
    installEpoch,
    setOwnStreams,
    sendKid,
    encrypt,
    decrypt,
    classifyKid,
    isNextEpochKid: (kid) => classifyKid(kid) === "next",
    prune,
    close,
  };
}
