import { randomBytes } from "node:crypto";
import {
  createDeviceIdentity,
  createMeetingMember,
  type FrameDecryptResult,
  type FrameStats,
  type InviteKeys,
  loadMlsCiphersuite,
  type MediaWatchAlarm,
  MeetingMedia,
  type MeetingMember,
  type MlsClientMessage,
  type MlsPolicy,
} from "@conclave/e2ee";
import type { ServerMessage, SubscribedTrack } from "@conclave/protocol";

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
  /** Frame counts over every key ring of the meeting, per sender leaf and in total. */
  frames: FrameStats;
  /** Times the engine replaced its key ring (rollback, rejoin). */
  ringChanges: number;
  member: Record<string, number>;
}

/**
 * The bot's end-to-end encryption, exactly as a browser's worker does it: the MLS member engine
 * (packages/e2ee/src/member) and its media (packages/e2ee/src/media/meeting-media.ts), which
 * seals whole encoded frames before packetizing and opens reassembled frames after depacketizing.
 */
export class BotE2ee {
  readonly media: MeetingMedia;
  /** Every media alarm raised or cleared so far, oldest first (tests read it). */
  readonly mediaAlarms: Array<MediaAlarm & { readonly at: number }> = [];
  /**
   * The latest upload each participant id showed (a host's card), until it waits no more: what
   * `member.admit` takes, so a test admits exactly the device the card named.
   */
  readonly cards = new Map<
    string,
    { readonly fingerprint: string; readonly keyPackageRef: string }
  >();

  /** When (performance.now()) the first received video frame opened; null until then. */
  firstVideoFrameAt: number | null = null;

  private constructor(readonly member: MeetingMember) {
    this.media = new MeetingMedia(member);
    member.on("upload", ({ participantId, fingerprint, keyPackageRef }) => {
      this.cards.set(participantId, { fingerprint, keyPackageRef });
    });
    member.on("upload-ended", ({ participantId }) => this.cards.delete(participantId));
    this.media.on("alarm", (alarm) => {
      const at = Date.now();
      if (alarm.kind === "newer-epoch") this.mediaAlarms.push({ ...alarm, at });
      else {
        const name = member.roster.find((r) => r.leaf === alarm.leaf)?.displayName ?? "";
        this.mediaAlarms.push({ ...alarm, name, at });
      }
    });
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
      // Which publisher and source each m-line carries: frames of another stream are refused.
      this.media.setReceiveTracks(Object.fromEntries(message.tracks.map((t) => [t.mid, t])));
      return;
    }
    this.member.receive(message);
  }

  /** Seals one of our frames; null (send nothing) until we hold this epoch's keys. */
  async seal(kind: "audio" | "video", frame: Uint8Array): Promise<Uint8Array | null> {
    const result = await this.media.encrypt(kind === "audio" ? "microphone" : "camera", frame);
    return result.ok ? result.frame : null;
  }

  /** Opens one received frame; the cryptor counts the outcome per sender. Never throws. */
  open(track: SubscribedTrack, frame: Uint8Array): void {
    this.media
      .decrypt(track.mid, track.kind, frame)
      .then((received) => {
        if (received.outcome === "open" && track.kind === "video")
          this.firstVideoFrameAt ??= performance.now();
      })
      .catch(() => {});
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
    return this.media.cryptor.decrypt(stream, kind, frame);
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
      frames: this.media.frameStats(),
      ringChanges: this.media.ringChanges,
      member: { ...m.stats },
    };
  }

  close(): void {
    this.media.close();
    this.member.close();
  }
}
