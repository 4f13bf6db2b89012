import { randomBytes } from "node:crypto";
import {
  createDeviceIdentity,
  createFrameCryptor,
  createMeetingMember,
  type FrameCryptor,
  type FrameDecryptResult,
  type FrameStats,
  type InviteKeys,
  loadMlsCiphersuite,
  type MediaKeyRing,
  MediaWatch,
  type MediaWatchAlarm,
  type MeetingMember,
  type MlsClientMessage,
  type MlsPolicy,
  NextEpochHold,
} from "@conclave/e2ee";
import type { ServerMessage, SubscribedTrack } from "@conclave/protocol";

interface Held {
  readonly track: SubscribedTrack;
  readonly frame: Uint8Array;
}

/**
 * An alarm from what received frames say (packages/e2ee/src/frames/media-watch.ts), raised
 * (`active`) or cleared; the engine's own alarms are its `alarm` event.
 */
export type MediaAlarm =
  | Extract<MediaWatchAlarm, { kind: "newer-epoch" }>
  | (Extract<MediaWatchAlarm, { kind: "group-split" }> & { readonly name: string });

export interface BotE2eeStats {
  status: string;
  epoch: string | null;
  ownLeaf: number | null;
  securityCode: string | null;
  roster: Array<{ leaf: number; name: string; fingerprint: string }>;
  /** Frame counts of the current key ring's cryptor, per sender leaf and in total. */
  frames: FrameStats;
  /** Times the engine replaced its key ring (rollback, rejoin); counts restart each time. */
  ringChanges: number;
  member: Record<string, number>;
}

/**
 * The bot's end-to-end encryption, exactly as a browser's worker does it: the MLS member engine
 * (packages/e2ee/src/member), its media key ring, and the frame cryptor that seals whole encoded
 * frames before packetizing and opens reassembled frames after depacketizing.
 */
export class BotE2ee {
  private ring: MediaKeyRing;
  private cryptor: FrameCryptor;
  private ringChanges = 0;
  private readonly hold = new NextEpochHold<Held>();
  private readonly watch = new MediaWatch();
  private readonly watchTimer: ReturnType<typeof setInterval>;
  /** Every media alarm raised or cleared so far, oldest first (tests read it). */
  readonly mediaAlarms: Array<MediaAlarm & { readonly at: number }> = [];
  /**
   * The latest upload each participant id showed (a host's card): what `member.admit` takes, so a
   * test admits exactly the device the card named.
   */
  readonly cards = new Map<
    string,
    { readonly fingerprint: string; readonly keyPackageRef: string }
  >();
  /** Which publisher each m-line carried at the last offer, to rebind on change. */
  private mids = new Map<string, string>();

  private constructor(readonly member: MeetingMember) {
    this.ring = member.mediaKeyRing;
    this.cryptor = createFrameCryptor(this.ring, { watch: this.watch });
    member.on("upload", ({ participantId, fingerprint, keyPackageRef }) => {
      this.cards.set(participantId, { fingerprint, keyPackageRef });
    });
    member.on("epoch", (event) => {
      if (member.mediaKeyRing !== this.ring) {
        this.ring = member.mediaKeyRing;
        this.cryptor = createFrameCryptor(this.ring, { watch: this.watch });
        this.ringChanges++;
      }
      for (const leaf of event.removed) this.cryptor.memberRemoved(leaf, event.epoch);
      this.watch.epochChanged();
      this.checkMedia();
      for (const held of this.hold.release()) this.open(held.track, held.frame);
    });
    this.watchTimer = setInterval(() => this.checkMedia(), 500);
  }

  /** As the browser's worker does (e2ee-session.ts): newer epoch (pause, then rejoin), group split. */
  private checkMedia(): void {
    const m = this.member;
    const members = new Set(m.roster.map((r) => r.leaf).filter((leaf) => leaf !== m.ownLeaf));
    const { alarms, rejoin } = this.watch.changes(members);
    if (rejoin) m.resync("frames of a newer epoch and no commit to reach it");
    const at = Date.now();
    for (const alarm of alarms) {
      if (alarm.kind === "newer-epoch") this.mediaAlarms.push({ ...alarm, at });
      else {
        const name = m.roster.find((r) => r.leaf === alarm.leaf)?.displayName ?? "";
        this.mediaAlarms.push({ ...alarm, name, at });
      }
    }
  }

  /** A bot comes with the full link: it proves the invite secret like a browser (docs/e2ee.md). */
  static async create(
    displayName: string,
    inviteKeys: InviteKeys,
    send: (message: MlsClientMessage) => void,
    policy?: MlsPolicy,
  ): Promise<BotE2ee> {
    const identity = await createDeviceIdentity(
      { displayName, deviceId: `bot-${randomBytes(6).toString("hex")}` },
      await loadMlsCiphersuite(),
    );
    return new BotE2ee(
      createMeetingMember({
        identity,
        send,
        admission: { kind: "invite", keys: inviteKeys },
        ...(policy === undefined ? {} : { policy }),
      }),
    );
  }

  receive(message: ServerMessage): void {
    if (message.type === "subscribe-offer") {
      const next = new Map(message.tracks.map((t) => [t.mid, t.participantId as string]));
      for (const [mid, publisher] of this.mids)
        if (next.get(mid) !== publisher) this.cryptor.rebind(mid);
      this.mids = next;
      return;
    }
    this.member.receive(message);
  }

  /** Seals one of our frames; null (send nothing) until we hold this epoch's keys. */
  async seal(kind: "audio" | "video", frame: Uint8Array): Promise<Uint8Array | null> {
    const result = await this.cryptor.encrypt(
      kind === "audio" ? "microphone" : "camera",
      kind === "audio" ? "opus" : "vp8",
      frame,
    );
    return result.ok ? result.frame : null;
  }

  /** Opens one received frame; the cryptor counts the outcome per sender. Never throws. */
  open(track: SubscribedTrack, frame: Uint8Array): void {
    const cryptor = this.cryptor;
    cryptor.decrypt(track.mid, track.kind, frame).then(
      (result) => {
        if (!result.ok && result.reason === "next-epoch") this.hold.hold({ track, frame });
      },
      () => {},
    );
  }

  /**
   * Tries to open a frame captured elsewhere (tests: what a removed participant could read of the
   * traffic the server recorded after its removal). `stream` names the captured stream.
   */
  decryptCaptured(
    stream: string,
    kind: "audio" | "video",
    frame: Uint8Array,
  ): Promise<FrameDecryptResult> {
    return this.cryptor.decrypt(stream, kind, frame);
  }

  stats(): BotE2eeStats {
    const m = this.member;
    return {
      status: m.status,
      epoch: m.epoch === undefined ? null : String(m.epoch),
      ownLeaf: m.ownLeaf ?? null,
      securityCode: m.securityCode ?? null,
      roster: m.roster.map((r) => ({
        leaf: r.leaf,
        name: r.displayName,
        fingerprint: r.fingerprint,
      })),
      frames: this.cryptor.stats(),
      ringChanges: this.ringChanges,
      member: { ...m.stats },
    };
  }

  close(): void {
    clearInterval(this.watchTimer);
    this.member.close();
    this.hold.clear();
  }
}
