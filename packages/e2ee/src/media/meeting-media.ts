// A meeting's media frames, between the member engine and the frame cryptor: one place for what
// the browser's worker and the bot both need (docs/e2ee.md "Media frames", "Alarms").
//
// - **Key ring swap**: the engine announces a new ring (`key-ring`, after a rollback or a rejoin);
//   frames are sealed and opened with a cryptor over it from then on, and counts of the old ones
//   are kept.
// - **Removed members**: each epoch's removed leaves have their frames keyed before the removal
//   refused at once (frames/frame-cryptor.ts memberRemoved).
// - **Next-epoch hold**: a frame keyed with the next epoch waits for its keys (next-epoch-hold.ts)
//   and is opened when the epoch comes.
// - **Receive streams**: each m-line carries one publisher's one source, as the server says; a new
//   publisher or source rebinds it (DESIGN T6), and a frame of a stream the source does not carry
//   is refused (`wrong-stream`: a camera frame on a screen m-line).
// - **Media watch**: frames of a newer epoch or a split group raise alarms, checked on every epoch
//   and every `watchIntervalMs`; behind for too long, the engine rejoins (frames/media-watch.ts).
import { type MediaSource, SOURCE_KIND } from "@conclave/protocol";
import {
  createFrameCryptor,
  type FrameCryptor,
  type FrameDecryptFailure,
  type FrameEncryptResult,
} from "../frames/frame-cryptor.ts";
import { type FrameStats, sumFrameStats } from "../frames/frame-stats.ts";
import { MediaWatch, type MediaWatchAlarm } from "../frames/media-watch.ts";
import { NextEpochHold, type NextEpochHoldStats } from "../frames/next-epoch-hold.ts";
import type { StreamContext } from "../media-keys/stream-context.ts";
import type { EpochEvent } from "../member/events.ts";
import type { MeetingMember } from "../member/meeting-member.ts";
import { TypedEmitter } from "../typed-emitter.ts";

/**
 * The SFrame streams an m-line of each source may carry: a camera m-line its simulcast layers too,
 * a screen m-line only the screen. Receivers refuse the rest (`wrong-stream`), so the server
 * cannot show someone's camera as their screen share or the reverse.
 */
const STREAMS_OF: Readonly<Record<MediaSource, readonly StreamContext[]>> = {
  microphone: ["microphone"],
  camera: ["camera", "cameraLayer0", "cameraLayer1", "cameraLayer2"],
  screen: ["screen"],
  screenAudio: ["screenAudio"],
};

/** What the server says one receiving m-line carries. */
export interface ReceiveTrack {
  readonly participantId: string;
  readonly source: MediaSource;
}

/** A received frame: opened, held for the next epoch's keys, or dropped (counted). */
export type ReceivedFrame =
  | { readonly outcome: "open"; readonly frame: Uint8Array<ArrayBuffer>; readonly sender: number }
  | { readonly outcome: "held" }
  | {
      readonly outcome: "dropped";
      readonly reason: Exclude<FrameDecryptFailure, "next-epoch"> | "next-epoch-overflow";
    };

/** Called with a held frame once the next epoch's keys opened it. */
export type LateFrame = (opened: Extract<ReceivedFrame, { outcome: "open" }>) => void;

export interface MeetingMediaEvents {
  /** a media alarm raised (`active`) or cleared (frames/media-watch.ts) */
  alarm: MediaWatchAlarm;
  /** the sender leaf each receiving m-line is bound to, after a change */
  bindings: ReadonlyMap<string, number>;
  /** a held frame's retry failed unexpectedly (never a frame refused: those are counted) */
  failure: { readonly message: string };
}

export interface MeetingMediaOptions {
  /** how often the media watch looks (default 500 ms) */
  readonly watchIntervalMs?: number;
  /** the clock of the watch and the hold (default Date.now) */
  readonly now?: () => number;
  readonly timers?: {
    setInterval(run: () => void, ms: number): unknown;
    clearInterval(handle: unknown): void;
  };
}

interface Held {
  readonly mid: string;
  readonly kind: "audio" | "video";
  readonly frame: Uint8Array;
  readonly late: LateFrame | undefined;
}

const defaultTimers = {
  setInterval: (run: () => void, ms: number): unknown => globalThis.setInterval(run, ms),
  clearInterval: (handle: unknown) =>
    globalThis.clearInterval(handle as Parameters<typeof clearInterval>[0]),
};

export class MeetingMedia extends TypedEmitter<MeetingMediaEvents> {
  #cryptor: FrameCryptor;
  /** counts of cryptors of rings the engine has since replaced */
  readonly #retired: FrameStats[] = [];
  readonly #watch: MediaWatch;
  readonly #hold: NextEpochHold<Held>;
  #tracks: Readonly<Record<string, ReceiveTrack>> = {};
  readonly #bindings = new Map<string, number>();
  readonly #timers: NonNullable<MeetingMediaOptions["timers"]>;
  readonly #timer: unknown;
  readonly #off: (() => void)[];
  /** what the latest epoch change set off: held frames tried again */
  #epochWork: Promise<void> = Promise.resolve();

  constructor(
    readonly member: MeetingMember,
    options: MeetingMediaOptions = {},
  ) {
    super();
    const now = options.now ?? Date.now;
    this.#watch = new MediaWatch({ now });
    this.#hold = new NextEpochHold({ now });
    this.#cryptor = createFrameCryptor(member.mediaKeyRing, { watch: this.#watch });
    this.#off = [
      member.on("key-ring", (ring) => {
        this.#retired.push(this.#cryptor.stats());
        this.#cryptor = createFrameCryptor(ring, { watch: this.#watch });
        this.#bindings.clear();
        this.emit("bindings", new Map(this.#bindings));
      }),
      member.on("epoch", (event) => this.#onEpoch(event)),
    ];
    this.#timers = options.timers ?? defaultTimers;
    this.#timer = this.#timers.setInterval(() => this.#check(), options.watchIntervalMs ?? 500);
  }

  /** The cryptor of the current key ring (for counting, and tests that open captured frames). */
  get cryptor(): FrameCryptor {
    return this.#cryptor;
  }

  /** Times the engine replaced its key ring (rollback, rejoin). */
  get ringChanges(): number {
    return this.#retired.length;
  }

  get bindings(): ReadonlyMap<string, number> {
    return this.#bindings;
  }

  /** What the server last said each receiving m-line carries. */
  get receiveTracks(): Readonly<Record<string, ReceiveTrack>> {
    return this.#tracks;
  }

  /** Frame counts over every key ring of the meeting, in total and per sender leaf. */
  frameStats(): FrameStats {
    return sumFrameStats([...this.#retired, this.#cryptor.stats()]);
  }

  holdStats(): NextEpochHoldStats {
    return this.#hold.stats();
  }

  /**
   * The server says which publisher and source each receiving m-line carries now (a subscribe
   * offer). An m-line whose publisher or source changed is bound again by its next authentic
   * frame.
   */
  setReceiveTracks(tracks: Readonly<Record<string, ReceiveTrack>>): void {
    let changed = false;
    for (const mid of new Set([...Object.keys(this.#tracks), ...Object.keys(tracks)])) {
      const before = this.#tracks[mid];
      const after = tracks[mid];
      if (before?.participantId !== after?.participantId || before?.source !== after?.source) {
        // DESIGN T6: the m-line carries another publisher now; its next authentic frame binds it.
        this.#cryptor.rebind(mid);
        changed = this.#bindings.delete(mid) || changed;
      }
    }
    this.#tracks = { ...tracks };
    if (changed) this.emit("bindings", new Map(this.#bindings));
  }

  /**
   * Seals one of our frames for its source's stream (one KID and counter per source); a frame
   * that cannot be sealed must not be sent (DESIGN §6).
   */
  encrypt(source: MediaSource, frame: Uint8Array): Promise<FrameEncryptResult> {
    return this.#cryptor.encrypt(source, SOURCE_KIND[source] === "audio" ? "opus" : "vp8", frame);
  }

  /**
   * Opens one frame received on m-line `mid`. Nothing that fails is returned as a frame; one keyed
   * with the next epoch is held, and handed to `late` once that epoch's keys open it.
   */
  async decrypt(
    mid: string,
    kind: "audio" | "video",
    frame: Uint8Array,
    late?: LateFrame,
  ): Promise<ReceivedFrame> {
    const source = this.#tracks[mid]?.source;
    const streams = source === undefined ? undefined : STREAMS_OF[source];
    const result = await this.#cryptor.decrypt(mid, kind, frame, streams);
    if (result.ok) {
      if (this.#bindings.get(mid) !== result.sender) {
        this.#bindings.set(mid, result.sender);
        this.emit("bindings", new Map(this.#bindings));
      }
      return { outcome: "open", frame: result.frame, sender: result.sender };
    }
    if (result.reason !== "next-epoch") return { outcome: "dropped", reason: result.reason };
    return this.#hold.hold({ mid, kind, frame, late })
      ? { outcome: "held" }
      : { outcome: "dropped", reason: "next-epoch-overflow" };
  }

  /** Resolves once the frames held for the latest epoch change have been tried again. */
  idle(): Promise<void> {
    return this.#epochWork;
  }

  close(): void {
    this.#timers.clearInterval(this.#timer);
    for (const off of this.#off) off();
    this.#hold.clear();
  }

  #onEpoch(event: EpochEvent): void {
    // README "Media frames": a removed leaf's frames keyed before its removal go at once.
    for (const leaf of event.removed) this.#cryptor.memberRemoved(leaf, event.epoch);
    this.#watch.epochChanged();
    this.#check();
    // The epoch changed: held frames are tried again, oldest first.
    const held = this.#hold.release();
    this.#epochWork = this.#epochWork
      .then(() => this.#retry(held))
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        this.emit("failure", { message });
      });
  }

  async #retry(held: readonly Held[]): Promise<void> {
    for (const { mid, kind, frame, late } of held) {
      const opened = await this.decrypt(mid, kind, frame, late);
      if (opened.outcome === "open") late?.(opened);
    }
  }

  /**
   * docs/e2ee.md "Alarms": behind the group (our sending is paused by the cryptor), and after a
   * few seconds of it a rejoin; members whose frames keep failing authentication (group split).
   */
  #check(): void {
    const own = this.member.ownLeaf;
    const members = new Set(this.member.roster.map((r) => r.leaf).filter((l) => l !== own));
    const { alarms, rejoin } = this.#watch.changes(members);
    if (rejoin) this.member.resync("frames of a newer epoch and no commit to reach it");
    for (const alarm of alarms) this.emit("alarm", alarm);
  }
}
