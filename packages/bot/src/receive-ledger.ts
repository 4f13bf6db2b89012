import type { ParticipantId, SubscribedTrack } from "@conclave/protocol";
import { StreamCounter } from "./stream-counter.ts";
import { type RtpPacketView, Vp8Depacketizer } from "./vp8-depacketizer.ts";

/** If a publisher's video has produced no keyframe this long after its first packet, ask. */
export const KEYFRAME_WAIT_MS = 2000;
/** After losing a frame, ask again at most this often (the server rate-limits too). */
export const RECOVERY_REQUEST_INTERVAL_MS = 1000;

export interface AudioStats {
  packets: number;
  bytes: number;
  lost: number;
  /** One Opus packet is one frame. */
  frames: number;
}

export interface VideoStats extends AudioStats {
  keyframes: number;
  /** Frames lost to gaps or malformed packets. */
  framesDropped: number;
  /** Complete frames after a lost one and before the next keyframe: no decoder could use them. */
  framesUndecodable: number;
  malformedPackets: number;
  keyframeRequests: number;
}

export interface RemoteStats {
  readonly audio: AudioStats;
  readonly video: VideoStats;
}

class RemoteVideo {
  readonly counter = new StreamCounter();
  readonly depacketizer = new Vp8Depacketizer();
  firstPacketMs: number | null = null;
  lastRequestMs = Number.NEGATIVE_INFINITY;
  keyframeRequests = 0;
  framesUndecodable = 0;
  /** Data was lost since the last keyframe: later delta frames reference what is missing. */
  chainBroken = false;
  lossesSeen = 0;
}

class Remote {
  readonly audio = new StreamCounter();
  readonly video = new RemoteVideo();
}

/**
 * What a receiver knows about each remote publisher: counts per kind, VP8 frames rebuilt by the
 * depacketizer, and when to ask for a keyframe. Pure bookkeeping with the clock passed in, so the
 * policy is testable without a network; the per-packet path counts and drops, never throws.
 */
export class ReceiveLedger {
  private readonly remotes = new Map<ParticipantId, Remote>();

  constructor(
    private readonly requestKeyframe: (publisher: ParticipantId) => void,
    /** Each whole received frame (an Opus packet, a reassembled VP8 frame), e.g. to decrypt. */
    private readonly onFrame: (track: SubscribedTrack, frame: Uint8Array) => void = () => {},
  ) {}

  record(track: SubscribedTrack, packet: RtpPacketView, nowMs: number): void {
    let remote = this.remotes.get(track.participantId);
    if (!remote) {
      remote = new Remote();
      this.remotes.set(track.participantId, remote);
    }
    if (track.kind === "audio") {
      remote.audio.record(packet.sequenceNumber, packet.payload.length);
      this.onFrame(track, packet.payload);
      return;
    }
    const video = remote.video;
    video.firstPacketMs ??= nowMs;
    video.counter.record(packet.sequenceNumber, packet.payload.length);
    for (const frame of video.depacketizer.push(packet, nowMs)) {
      this.onFrame(track, frame.data);
      // Any loss before this frame breaks the chain, even a whole frame lost between two
      // complete ones: later delta frames reference it.
      if (frame.afterLoss) video.chainBroken = true;
      if (frame.keyframe) video.chainBroken = false;
      else if (video.chainBroken) video.framesUndecodable++;
    }
    const { gaps, framesDropped, packetsMalformed } = video.depacketizer.counters;
    const losses = gaps + framesDropped + packetsMalformed;
    if (losses > video.lossesSeen) {
      video.lossesSeen = losses;
      // A real decoder would now send a PLI; ask the same way so the picture recovers.
      if (nowMs - video.lastRequestMs >= RECOVERY_REQUEST_INTERVAL_MS) {
        this.ask(track.participantId, video, nowMs);
      }
    }
  }

  /** Asks for a keyframe from every publisher whose video has had none for KEYFRAME_WAIT_MS. */
  checkKeyframes(nowMs: number): void {
    for (const [id, remote] of this.remotes) {
      const video = remote.video;
      if (video.firstPacketMs === null || video.depacketizer.counters.keyframes > 0) continue;
      if (nowMs - video.firstPacketMs < KEYFRAME_WAIT_MS) continue;
      if (nowMs - video.lastRequestMs < KEYFRAME_WAIT_MS) continue;
      this.ask(id, video, nowMs);
    }
  }

  stats(): Record<string, RemoteStats> {
    const out: Record<string, RemoteStats> = {};
    for (const [id, remote] of this.remotes) {
      const audio = remote.audio.counts();
      const video = remote.video.counter.counts();
      const c = remote.video.depacketizer.counters;
      out[id] = {
        audio: { ...audio, frames: audio.packets },
        video: {
          ...video,
          frames: c.framesCompleted,
          keyframes: c.keyframes,
          framesDropped: c.framesDropped,
          framesUndecodable: remote.video.framesUndecodable,
          malformedPackets: c.packetsMalformed,
          keyframeRequests: remote.video.keyframeRequests,
        },
      };
    }
    return out;
  }

  private ask(id: ParticipantId, video: RemoteVideo, nowMs: number): void {
    video.lastRequestMs = nowMs;
    video.keyframeRequests++;
    this.requestKeyframe(id);
  }
}
