// Whole encoded media frames to SFrame frames and back, for the browser's encoded-transform worker
// and the Node bot alike:
//
//   sent frame = clear prefix ‖ SFrame header ‖ ciphertext ‖ tag
//
// The clear prefix (codec-prefix.ts) is what the packetiser and depacketiser read; it is the
// SFrame metadata (RFC 9605 §4.4.3: aad = header ‖ metadata), so changing it fails authentication.
//
// Receiving, in this order, all before any decryption is tried:
// - the KID must decode (context, sender, epoch bits, media-keys/kid.ts);
// - its stream must be of the receive stream's kind (an audio key never opens a video m-line) and,
//   when the caller says which streams the m-line carries, one of those (a screen m-line opens
//   no camera frame: the SFU cannot pass a camera off as a screen share);
// - DESIGN T6, sender binding: a receive stream belongs to the sender of its first authentic frame;
//   a frame naming another sender is dropped, so the SFU cannot relabel streams. `rebind` clears
//   the binding when the server says the m-line now carries another publisher; for a while after,
//   a frame of the sender it was bound to is a late one of the old mapping (still in the
//   receiver's jitter buffer or queue) and binds nothing (`REBIND_LATE_MS`). Bound to the sender
//   only, not the stream context: one m-line may carry a sender's simulcast layers in turn;
// - a KID of the next epoch is reported (`next-epoch`) for the caller to hold (next-epoch-hold.ts);
// - a sender removed from the group is refused for the epochs before its removal, even inside the
//   ring's grace period for previous-epoch keys (`memberRemoved`).
//
// Nothing that fails is ever returned as a frame (DESIGN §6, §7.4); every outcome is counted.
// Per-frame calls never throw; only misuse of the API does (E2eeUsageError).
import { E2eeUsageError } from "../errors.ts";
import type { MediaKeyRing } from "../media-keys/key-ring.ts";
import { decodeKid, epochBitsOf, KID_EPOCH_BITS } from "../media-keys/kid.ts";
import {
  type MediaKind,
  mediaKindOf,
  STREAM_CONTEXTS,
  type StreamContext,
} from "../media-keys/stream-context.ts";
import { concatBytes } from "../sframe/bytes.ts";
import type { DecryptFailure, EncryptFailure } from "../sframe/context.ts";
import { decodeHeader } from "../sframe/header.ts";
import { clearPrefixLength, type FrameCodec } from "./codec-prefix.ts";
import { FrameCounters, type FrameStats } from "./frame-stats.ts";
import type { MediaWatch } from "./media-watch.ts";

/** An incoming stream as the app knows it, e.g. the m-line's mid. Opaque here. */
export type ReceiveStreamId = string;

export type FrameEncryptFailure =
  /** the frame is shorter than its codec's clear prefix */
  | "too-short"
  /** the group is in a newer epoch than ours: we send nothing until we catch up (media-watch.ts) */
  | "paused-newer-epoch"
  | EncryptFailure;

export type FrameEncryptResult =
  | {
      readonly ok: true;
      readonly frame: Uint8Array<ArrayBuffer>;
      readonly kid: bigint;
      readonly ctr: bigint;
    }
  | { readonly ok: false; readonly reason: FrameEncryptFailure };

export type FrameDecryptFailure =
  /**
   * SFrame's (context.ts): `malformed` is also a frame shorter than its clear prefix, and
   * `unknown-kid` a KID that names no stream
   */
  | DecryptFailure
  /** the KID's stream is audio on a video receive stream, or the reverse */
  | "wrong-kind"
  /** the KID's stream is not one the receive stream carries (a camera frame on a screen m-line) */
  | "wrong-stream"
  /** the KID names another sender than the one the receive stream is bound to */
  | "wrong-sender"
  /** keyed in an epoch before its sender was removed from the group */
  | "removed-sender"
  /** keyed with the next epoch: hold it and retry once that epoch is installed */
  | "next-epoch";

export type FrameDecryptResult =
  | {
      readonly ok: true;
      /** the original encoded frame, clear prefix included */
      readonly frame: Uint8Array<ArrayBuffer>;
      /** the sender's MLS leaf index, from the KID: label the tile from the roster entry */
      readonly sender: number;
      readonly stream: StreamContext;
      readonly kid: bigint;
      readonly ctr: bigint;
    }
  | { readonly ok: false; readonly reason: FrameDecryptFailure };

/**
 * How long after `rebind` a frame of the m-line's previous sender cannot bind it: frames arrived
 * before the change can wait that long in a receiver's jitter buffer and transform queue.
 */
export const REBIND_LATE_MS = 2000;

export interface FrameCryptorOptions {
  /** the codec of received frames per kind (default: audio "opus", video "vp8") */
  readonly receiveCodecs?: Readonly<Record<MediaKind, FrameCodec>>;
  /**
   * Told of frames keyed beyond our epoch and of authentication outcomes per sender; while it says
   * we are behind, `encrypt` refuses (`paused-newer-epoch`). Outlives a cryptor: pass the same
   * watch to the cryptor of the next ring.
   */
  readonly watch?: MediaWatch;
  /** Milliseconds now, for REBIND_LATE_MS (default performance.now). */
  readonly now?: () => number;
}

export interface FrameCryptor {
  /** Encrypts one of our frames with the ring's key for `stream`; `codec` must fit its kind. */
  encrypt(stream: StreamContext, codec: FrameCodec, frame: Uint8Array): Promise<FrameEncryptResult>;
  /**
   * Decrypts one received frame of `receiveStream`, which carries media of `kind`, and if given,
   * only these `streams` (e.g. ["screen"]; a camera m-line lists the camera and its layers).
   */
  decrypt(
    receiveStream: ReceiveStreamId,
    kind: MediaKind,
    frame: Uint8Array,
    streams?: readonly StreamContext[],
  ): Promise<FrameDecryptResult>;
  /** The sender leaf `receiveStream` is bound to, if it has had an authentic frame. */
  boundSender(receiveStream: ReceiveStreamId): number | undefined;
  /** The server says this m-line now carries another publisher (or is gone): forget its sender. */
  rebind(receiveStream: ReceiveStreamId): void;
  /**
   * `leaf` was removed by the commit that started `epoch`. Its frames keyed in earlier epochs are
   * refused from now on, also while the ring still keeps those epochs' keys for its grace period;
   * a later occupant of the leaf, keyed in `epoch` or after, is not affected.
   */
  memberRemoved(leaf: number, epoch: bigint): void;
  stats(): FrameStats;
}

const CODEC_KIND: Readonly<Record<FrameCodec, MediaKind>> = { vp8: "video", opus: "audio" };
const DEFAULT_RECEIVE_CODECS: Readonly<Record<MediaKind, FrameCodec>> = {
  audio: "opus",
  video: "vp8",
};
const EPOCH_MODULUS = 1 << KID_EPOCH_BITS;

function checkBytes(frame: Uint8Array): void {
  if (!(frame instanceof Uint8Array)) throw new E2eeUsageError("a frame must be a Uint8Array");
}

function checkCodecKind(codec: FrameCodec, kind: MediaKind): void {
  const codecKind = CODEC_KIND[codec];
  if (codecKind === undefined) throw new E2eeUsageError(`unknown codec ${String(codec)}`);
  if (codecKind !== kind) throw new E2eeUsageError(`codec ${codec} does not carry ${kind}`);
}

export function createFrameCryptor(
  ring: MediaKeyRing,
  options: FrameCryptorOptions = {},
): FrameCryptor {
  return new Cryptor(ring, options);
}

/** What a received frame says before any key is used. */
interface Framed {
  readonly clear: Uint8Array;
  readonly body: Uint8Array;
  readonly kid: bigint;
  readonly sender: number;
  readonly stream: StreamContext;
  readonly epochBits: number;
}

type Refused = { readonly ok: false; readonly reason: FrameDecryptFailure };

class Cryptor implements FrameCryptor {
  readonly #codecs: Readonly<Record<MediaKind, FrameCodec>>;
  readonly #counters = new FrameCounters();
  readonly #watch: MediaWatch | undefined;
  readonly #bindings = new Map<ReceiveStreamId, number>();
  /** bumped by rebind, so a frame in flight across a rebind cannot bind the stream to its sender */
  readonly #generations = new Map<ReceiveStreamId, number>();
  /** The sender a stream was bound to when rebind ran, and until when its frames bind nothing. */
  readonly #formerly = new Map<ReceiveStreamId, { sender: number; until: number }>();
  readonly #now: () => number;
  /** leaf -> first epoch without it */
  readonly #removedAt = new Map<number, bigint>();

  constructor(
    private readonly ring: MediaKeyRing,
    options: FrameCryptorOptions,
  ) {
    this.#codecs = options.receiveCodecs ?? DEFAULT_RECEIVE_CODECS;
    checkCodecKind(this.#codecs.audio, "audio");
    checkCodecKind(this.#codecs.video, "video");
    this.#watch = options.watch;
    this.#now = options.now ?? (() => performance.now());
  }

  async encrypt(
    stream: StreamContext,
    codec: FrameCodec,
    frame: Uint8Array,
  ): Promise<FrameEncryptResult> {
    if (STREAM_CONTEXTS[stream] === undefined) {
      throw new E2eeUsageError(`unknown stream ${String(stream)}`);
    }
    checkCodecKind(codec, mediaKindOf(stream));
    checkBytes(frame);
    const ownKid = this.ring.sendKid(stream);
    const own = ownKid === undefined ? undefined : decodeKid(ownKid)?.sender;
    if (this.#watch?.sendingPaused) {
      this.#counters.refused(own, "paused-newer-epoch");
      return { ok: false, reason: "paused-newer-epoch" };
    }
    const prefix = clearPrefixLength(codec, frame);
    if (frame.length < prefix) {
      this.#counters.refused(own, "too-short");
      return { ok: false, reason: "too-short" };
    }
    const clear = frame.slice(0, prefix);
    const sealed = await this.ring.encrypt(stream, clear, frame.subarray(prefix));
    if (!sealed.ok) {
      this.#counters.refused(own, sealed.reason);
      return sealed;
    }
    this.#counters.encrypted(decodeKid(sealed.kid)?.sender ?? -1);
    return { ok: true, frame: concatBytes(clear, sealed.frame), kid: sealed.kid, ctr: sealed.ctr };
  }

  async decrypt(
    receiveStream: ReceiveStreamId,
    kind: MediaKind,
    frame: Uint8Array,
    streams?: readonly StreamContext[],
  ): Promise<FrameDecryptResult> {
    if (typeof receiveStream !== "string" || receiveStream === "") {
      throw new E2eeUsageError("a receive stream id must be a non-empty string");
    }
    if (kind !== "audio" && kind !== "video") throw new E2eeUsageError(`unknown kind ${kind}`);
    checkBytes(frame);
    const framed = this.#frame(kind, frame);
    if (!("kid" in framed)) return framed;
    const early = this.#precheck(receiveStream, kind, framed, streams);
    if (early !== undefined) return early;
    const { sender } = framed;
    const generation = this.#generations.get(receiveStream) ?? 0;
    const opened = await this.ring.decrypt(framed.clear, framed.body);
    if (!opened.ok) {
      if (opened.reason === "auth") this.#watch?.authFailed(sender);
      return this.#refuse(sender, opened.reason);
    }
    // Checked again after the await: another frame may have bound the stream, or rebind run.
    if ((this.#generations.get(receiveStream) ?? 0) !== generation) {
      return this.#refuse(sender, "wrong-sender");
    }
    const boundNow = this.#bindings.get(receiveStream);
    if (boundNow === undefined) {
      const former = this.#formerly.get(receiveStream);
      if (former?.sender === sender && this.#now() < former.until) {
        return this.#refuse(sender, "wrong-sender");
      }
      this.#bindings.set(receiveStream, sender);
      this.#formerly.delete(receiveStream);
    } else if (boundNow !== sender) return this.#refuse(sender, "wrong-sender");
    this.#counters.decrypted(sender);
    this.#watch?.authOk(sender);
    const { kid, stream, clear } = framed;
    return {
      ok: true,
      frame: concatBytes(clear, opened.plaintext),
      sender,
      stream,
      kid,
      ctr: opened.ctr,
    };
  }

  boundSender(receiveStream: ReceiveStreamId): number | undefined {
    return this.#bindings.get(receiveStream);
  }

  rebind(receiveStream: ReceiveStreamId): void {
    const bound = this.#bindings.get(receiveStream);
    // Unbound since an earlier rebind: that one's late frames may still come, until its deadline.
    if (bound !== undefined) {
      this.#formerly.set(receiveStream, { sender: bound, until: this.#now() + REBIND_LATE_MS });
    }
    this.#bindings.delete(receiveStream);
    this.#generations.set(receiveStream, (this.#generations.get(receiveStream) ?? 0) + 1);
  }

  memberRemoved(leaf: number, epoch: bigint): void {
    if (!Number.isInteger(leaf) || leaf < 0) throw new E2eeUsageError("leaf must be an index");
    if (typeof epoch !== "bigint" || epoch < 1n) throw new E2eeUsageError("epoch must be >= 1");
    const before = this.#removedAt.get(leaf);
    if (before === undefined || epoch > before) this.#removedAt.set(leaf, epoch);
  }

  stats(): FrameStats {
    return this.#counters.snapshot();
  }

  #refuse(sender: number | undefined, reason: FrameDecryptFailure): Refused {
    if (reason === "next-epoch") this.#counters.deferred(sender);
    else this.#counters.dropped(sender, reason);
    return { ok: false, reason };
  }

  /** The clear prefix, the SFrame header and the KID's parts, or why they do not decode. */
  #frame(kind: MediaKind, frame: Uint8Array): Framed | Refused {
    const prefix = clearPrefixLength(this.#codecs[kind], frame);
    if (frame.length === 0 || frame.length < prefix) return this.#refuse(undefined, "malformed");
    const clear = frame.subarray(0, prefix);
    const body = frame.subarray(prefix);
    const header = decodeHeader(body);
    if (!header.ok) {
      return this.#refuse(undefined, header.reason === "truncated" ? "truncated" : "malformed");
    }
    const { kid } = header.header;
    const parts = decodeKid(kid);
    if (parts === undefined) return this.#refuse(undefined, "unknown-kid");
    return {
      clear,
      body,
      kid,
      sender: parts.sender,
      stream: parts.stream,
      epochBits: parts.epochBits,
    };
  }

  /** The checks before decrypting (README "Media frames"); undefined if the frame may be tried. */
  #precheck(
    receiveStream: ReceiveStreamId,
    kind: MediaKind,
    { kid, sender, stream, epochBits }: Framed,
    streams: readonly StreamContext[] | undefined,
  ): Refused | undefined {
    if (mediaKindOf(stream) !== kind) return this.#refuse(sender, "wrong-kind");
    if (streams !== undefined && !streams.includes(stream)) {
      return this.#refuse(sender, "wrong-stream");
    }
    const bound = this.#bindings.get(receiveStream);
    if (bound !== undefined && bound !== sender) return this.#refuse(sender, "wrong-sender");
    const epochClass = this.ring.classifyKid(kid);
    // Only a stream bound to this sender by authentic frames counts as evidence that the group
    // moved on: otherwise any frame the server makes up would pause our sending (media-watch.ts).
    if (epochClass === "next") {
      if (bound === sender) this.#watch?.newerEpoch(1);
      return this.#refuse(sender, "next-epoch");
    }
    if (epochClass === "unknown" && bound === sender) this.#noteFarAhead(epochBits);
    if (epochClass !== "unknown" && this.#keyedBeforeRemoval(sender, epochBits)) {
      return this.#refuse(sender, "removed-sender");
    }
    return undefined;
  }

  /** Whether a frame of `sender` with these epoch bits was keyed before the sender's removal. */
  #keyedBeforeRemoval(sender: number, epochBits: number): boolean {
    const removed = this.#removedAt.get(sender);
    const current = this.ring.currentEpoch;
    if (removed === undefined || current === undefined) return false;
    // Retained epochs are the current one and at most 15 before it (RFC 9605 §5.2 removal of an
    // old epoch with the same low bits), so the bits name exactly one of them.
    const back = (epochBitsOf(current) - epochBits + EPOCH_MODULUS) % EPOCH_MODULUS;
    return current - BigInt(back) < removed;
  }

  /**
   * Epoch bits 2..7 ahead of ours name an epoch the group reached without us (or one 9..14 behind,
   * long erased: a replay; media-watch.ts says why a false alarm is acceptable).
   */
  #noteFarAhead(epochBits: number): void {
    const current = this.ring.currentEpoch;
    if (this.#watch === undefined || current === undefined) return;
    const ahead = (epochBits - epochBitsOf(current) + EPOCH_MODULUS) % EPOCH_MODULUS;
    if (ahead >= 2 && ahead < EPOCH_MODULUS / 2) this.#watch.newerEpoch(ahead);
  }
}
