// The SFrame context the app uses (RFC 9605 §4.4): a key store by KID, a never-reused counter per
// sending KID, and replay protection per receiving KID. The per-frame calls (`encrypt`,
// `decrypt`) never throw; they return results. Only misuse of the API throws (E2eeUsageError).
import { E2eeUsageError } from "../errors.ts";
import { concatBytes, isU64, MAX_U64, onArrayBuffer } from "./bytes.ts";
import { type AeadKey, frameNonce, importAeadKey } from "./cipher.ts";
import { decodeHeader, encodeHeader } from "./header.ts";
import { deriveKeySalt } from "./key-derivation.ts";
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from "./replay-window.ts";
import type { CipherSuite } from "./suites.ts";

/**
 * What a KID's key may do. RFC 9605 §4.4.1: "Implementations MUST mark each base_key as usable for
 * encryption or decryption, never both", since two senders on one key would reuse nonces.
 */
export type KeyUsage = "encrypt" | "decrypt";

export type EncryptResult =
  | {
      readonly ok: true;
      readonly frame: Uint8Array<ArrayBuffer>;
      readonly kid: bigint;
      readonly ctr: bigint;
    }
  | { readonly ok: false; readonly reason: EncryptFailure };

export type EncryptFailure =
  /** no encryption key for this KID (never added, still being derived, removed, or receive-only) */
  | "unknown-kid"
  /** every CTR value of this KID has been used (RFC 9605 §7.4: never encrypt twice with one nonce) */
  | "counter-exhausted"
  /** an explicit CTR at or below one already used for this KID */
  | "counter-reused";

export type DecryptResult =
  | {
      readonly ok: true;
      readonly plaintext: Uint8Array<ArrayBuffer>;
      readonly kid: bigint;
      readonly ctr: bigint;
    }
  | { readonly ok: false; readonly reason: DecryptFailure };

export type DecryptFailure =
  /** shorter than its header says, or than header + tag */
  | "truncated"
  /** a header with a KID or CTR not in minimal form (RFC 9605 §4.3) */
  | "malformed"
  /** no decryption key for the KID in the header */
  | "unknown-kid"
  /** the AEAD refused: wrong key, or header, metadata, ciphertext or tag altered */
  | "auth"
  /** authentic, but this CTR was already accepted or is too far behind */
  | "replay";

/**
 * How far one key has been used: the next CTR to send with it, and the replay window of the frames
 * accepted under it. A caller that may install the same key again in another context (a replaced
 * key ring: media-keys/nonce-ledger.ts) passes the same object each time, so neither restarts.
 */
export interface KeyProgress {
  nextCtr: bigint;
  readonly window: ReplayWindow;
}

export interface SframeContext {
  readonly suite: CipherSuite;
  /**
   * Derives and stores the keys of `kid` from `baseKey` (RFC 9605 §4.4.2). Throws E2eeUsageError
   * if the KID is out of range or already has a key, or the base key is shorter than 16 bytes.
   * The context copies what it needs; `baseKey` stays the caller's to erase. With `progress`, the
   * key carries on from it (and updates it); without, it starts where this context left the KID.
   */
  addKey(kid: bigint, baseKey: Uint8Array, usage: KeyUsage, progress?: KeyProgress): Promise<void>;
  /**
   * Forgets the keys of `kid`; frames for it are refused from now on. A sending KID keeps its
   * counter, so re-adding it never reuses a nonce. A receiving KID re-added later without the same
   * `progress` starts a fresh replay window: do that only with a new base key (as a new MLS epoch
   * gives, RFC 9605 §5.2).
   */
  removeKey(kid: bigint): void;
  /**
   * Encrypts one frame with the key of `kid` (RFC 9605 §4.4.3). Without `ctr`, the next unused
   * counter of the KID is taken; with one, it must be above every counter used so far. `metadata`
   * is authenticated but not sent (the caller sends it in clear, e.g. a codec payload header).
   */
  encrypt(
    kid: bigint,
    ctr: bigint | undefined,
    metadata: Uint8Array,
    plaintext: Uint8Array,
  ): Promise<EncryptResult>;
  /** Decrypts one SFrame ciphertext (RFC 9605 §4.4.4) with the same `metadata` as the sender's. */
  decrypt(metadata: Uint8Array, ciphertext: Uint8Array): Promise<DecryptResult>;
}

export interface SframeContextOptions {
  readonly suite: CipherSuite;
  /** How many CTR values behind the highest seen may still be accepted (default 128). */
  readonly replayWindow?: number;
}

/** Shortest base key accepted: 128 bits. (§5.2 gives Nk bytes; RFC vectors use 16 for all suites.) */
export const MIN_BASE_KEY_LENGTH = 16;

interface KeyEntry {
  readonly usage: KeyUsage;
  readonly aead: AeadKey;
  readonly salt: Uint8Array<ArrayBuffer>;
  readonly progress: KeyProgress;
}

function checkKid(kid: bigint): void {
  if (typeof kid !== "bigint" || !isU64(kid)) {
    throw new E2eeUsageError("KID must be a bigint in [0, 2^64-1]");
  }
}

/** Makes an SFrame context for one cipher suite. */
export function createSframeContext(options: SframeContextOptions): SframeContext {
  return new WebCryptoSframeContext(options);
}

/** The SFrame context on WebCrypto (sframe/cipher.ts). */
class WebCryptoSframeContext implements SframeContext {
  readonly suite: CipherSuite;
  readonly #windowSize: number;
  readonly #keys = new Map<bigint, KeyEntry>();
  /** addKey calls still deriving; removeKey cancels them by deleting the token. */
  readonly #pending = new Map<bigint, symbol>();
  /**
   * Next CTR per sending KID. Kept after removeKey so that re-adding a KID can never restart its
   * counter at a value already used (DESIGN T6: one never-reset counter per KID).
   */
  readonly #nextCtr = new Map<bigint, bigint>();

  constructor(options: SframeContextOptions) {
    this.suite = options.suite;
    this.#windowSize = options.replayWindow ?? DEFAULT_REPLAY_WINDOW;
    new ReplayWindow(this.#windowSize); // validates the size now rather than at the first key
  }

  async addKey(
    kid: bigint,
    baseKey: Uint8Array,
    usage: KeyUsage,
    progress?: KeyProgress,
  ): Promise<void> {
    checkKid(kid);
    if (usage !== "encrypt" && usage !== "decrypt") {
      throw new E2eeUsageError('key usage must be "encrypt" or "decrypt"');
    }
    if (!(baseKey instanceof Uint8Array) || baseKey.length < MIN_BASE_KEY_LENGTH) {
      throw new E2eeUsageError(`base key must be at least ${MIN_BASE_KEY_LENGTH} bytes`);
    }
    if (this.#keys.has(kid) || this.#pending.has(kid)) {
      throw new E2eeUsageError(`KID ${kid} already has a key; remove it first`);
    }
    const token = Symbol("addKey");
    this.#pending.set(kid, token);
    const ikm = new Uint8Array(baseKey); // our copy, erased below; the caller's stays theirs
    let material: Awaited<ReturnType<typeof deriveKeySalt>> | undefined;
    try {
      material = await deriveKeySalt(this.suite, kid, ikm);
      const aead = await importAeadKey(this.suite, material.key);
      if (this.#pending.get(kid) !== token) return; // removed while deriving
      const kept = progress ?? {
        nextCtr: this.#nextCtr.get(kid) ?? 0n,
        window: new ReplayWindow(this.#windowSize),
      };
      this.#keys.set(kid, { usage, aead, salt: material.salt.slice(), progress: kept });
    } finally {
      if (this.#pending.get(kid) === token) this.#pending.delete(kid);
      ikm.fill(0);
      material?.secret.fill(0);
      material?.key.fill(0);
      material?.salt.fill(0);
    }
  }

  removeKey(kid: bigint): void {
    checkKid(kid);
    this.#keys.delete(kid);
    this.#pending.delete(kid);
  }

  async encrypt(
    kid: bigint,
    ctr: bigint | undefined,
    metadata: Uint8Array,
    plaintext: Uint8Array,
  ): Promise<EncryptResult> {
    checkKid(kid);
    if (ctr !== undefined && (typeof ctr !== "bigint" || !isU64(ctr))) {
      throw new E2eeUsageError("CTR must be a bigint in [0, 2^64-1]");
    }
    const entry = this.#keys.get(kid);
    if (entry === undefined || entry.usage !== "encrypt")
      return { ok: false, reason: "unknown-kid" };
    // Reserve the counter before the first await, so concurrent calls never share one.
    const ownNext = this.#nextCtr.get(kid) ?? 0n;
    const next = entry.progress.nextCtr > ownNext ? entry.progress.nextCtr : ownNext;
    const chosen = ctr ?? next;
    if (chosen < next) return { ok: false, reason: "counter-reused" };
    if (chosen > MAX_U64) return { ok: false, reason: "counter-exhausted" };
    this.#nextCtr.set(kid, chosen + 1n);
    entry.progress.nextCtr = chosen + 1n;

    // RFC 9605 §4.4.3: aad = header ‖ metadata; nonce = salt XOR CTR.
    const header = encodeHeader({ kid, ctr: chosen });
    const aad = concatBytes(header, metadata);
    const sealed = await entry.aead.seal(
      frameNonce(entry.salt, chosen),
      aad,
      onArrayBuffer(plaintext),
    );
    if (this.#keys.get(kid) !== entry) return { ok: false, reason: "unknown-kid" };
    return { ok: true, frame: concatBytes(header, sealed), kid, ctr: chosen };
  }

  async decrypt(metadata: Uint8Array, ciphertext: Uint8Array): Promise<DecryptResult> {
    const parsed = decodeHeader(ciphertext);
    if (!parsed.ok)
      return { ok: false, reason: parsed.reason === "truncated" ? "truncated" : "malformed" };
    const { kid, ctr } = parsed.header;
    const entry = this.#keys.get(kid);
    if (entry === undefined || entry.usage !== "decrypt")
      return { ok: false, reason: "unknown-kid" };
    if (ciphertext.length - parsed.length < this.suite.nt) {
      return { ok: false, reason: "truncated" };
    }
    // Cheap early refusal; the decisive check-and-record comes after authentication.
    if (entry.progress.window.check(ctr) !== "fresh") return { ok: false, reason: "replay" };

    // RFC 9605 §4.4.4: the header as received is part of the AAD, so any change to it fails auth.
    const header = ciphertext.subarray(0, parsed.length);
    const aad = concatBytes(header, metadata);
    const body = onArrayBuffer(ciphertext.subarray(parsed.length));
    const plaintext = await entry.aead.open(frameNonce(entry.salt, ctr), aad, body);
    if (plaintext === undefined) return { ok: false, reason: "auth" };
    // A key removed while this frame was being checked no longer admits it.
    if (this.#keys.get(kid) !== entry) return { ok: false, reason: "unknown-kid" };
    if (entry.progress.window.accept(ctr) !== "fresh") return { ok: false, reason: "replay" };
    return { ok: true, plaintext, kid, ctr };
  }
}
