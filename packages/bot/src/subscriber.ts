import type { ParticipantId, SubscribedTrack } from "@conclave/protocol";
import type { RTCPeerConnection, RtpPacket } from "werift";
import { StreamCounter } from "./stream-counter.ts";
import { Vp8Depacketizer } from "./vp8-depacketizer.ts";

/** If a publisher's video has produced no keyframe this long after its first packet, ask. */
export const KEYFRAME_WAIT_MS = 2000;
/** After losing a frame, ask again at most this often (the server rate-limits too). */
const RECOVERY_REQUEST_INTERVAL_MS = 1000;

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
  /** Complete frames that follow a lost one before the next keyframe: a decoder could not use them. */
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
  /** A frame was lost since the last keyframe: later delta frames reference missing data. */
  chainBroken = false;
  dropsSeen = 0;
}

class Remote {
  readonly audio = new StreamCounter();
  readonly video = new RemoteVideo();
}

/**
 * The receiving side: the server's offers arrive here, `tracks` maps each m-line to a publisher,
 * and every received packet is counted against the publisher its m-line carries *now* (m-lines are
 * reused for new publishers, so the map is replaced on every offer). The packet path counts and
 * drops; it never throws into werift.
 */
export class Subscriber {
  private readonly remotes = new Map<ParticipantId, Remote>();
  private midMap = new Map<string, SubscribedTrack>();
  /** Packets on an m-line no offer has mapped (in flight around a re-negotiation). */
  unmappedPackets = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly pc: RTCPeerConnection,
    private readonly requestKeyframe: (publisher: ParticipantId) => void,
  ) {
    pc.ontrack = ({ track, transceiver }) => {
      track.onReceiveRtp.subscribe((packet) => {
        try {
          this.onPacket(transceiver.mid, packet);
        } catch {
          this.unmappedPackets++;
        }
      });
    };
    this.timer = setInterval(() => this.checkKeyframes(performance.now()), 250);
    this.timer.unref();
  }

  async answer(sdp: string, tracks: readonly SubscribedTrack[]): Promise<string> {
    this.midMap = new Map(tracks.map((t) => [t.mid, t]));
    await this.pc.setRemoteDescription({ type: "offer", sdp });
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    const answer = this.pc.localDescription?.sdp;
    if (!answer) throw new Error("werift produced no answer");
    return answer;
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

  close(): Promise<void> {
    clearInterval(this.timer);
    return this.pc.close();
  }

  private onPacket(mid: string | null, packet: RtpPacket): void {
    const track = mid === null ? undefined : this.midMap.get(mid);
    if (!track) {
      this.unmappedPackets++;
      return;
    }
    let remote = this.remotes.get(track.participantId);
    if (!remote) {
      remote = new Remote();
      this.remotes.set(track.participantId, remote);
    }
    const { header, payload } = packet;
    if (track.kind === "audio") {
      remote.audio.record(header.sequenceNumber, payload.length);
      return;
    }
    const video = remote.video;
    const now = performance.now();
    video.firstPacketMs ??= now;
    video.counter.record(header.sequenceNumber, payload.length);
    const frames = video.depacketizer.push(
      {
        sequenceNumber: header.sequenceNumber,
        timestamp: header.timestamp,
        marker: header.marker,
        payload,
      },
      now,
    );
    for (const frame of frames) {
      if (frame.keyframe) video.chainBroken = false;
      else if (video.chainBroken) video.framesUndecodable++;
    }
    const drops = video.depacketizer.counters.framesDropped;
    if (drops > video.dropsSeen) {
      video.dropsSeen = drops;
      video.chainBroken = true;
      // A real decoder would now ask for a keyframe (PLI); do the same so the stream recovers.
      if (now - video.lastRequestMs >= RECOVERY_REQUEST_INTERVAL_MS)
        this.ask(track.participantId, video, now);
    }
  }

  private checkKeyframes(now: number): void {
    for (const [id, remote] of this.remotes) {
      const video = remote.video;
      if (video.firstPacketMs === null || video.depacketizer.counters.keyframes > 0) continue;
      if (now - video.firstPacketMs < KEYFRAME_WAIT_MS) continue;
      if (now - video.lastRequestMs < KEYFRAME_WAIT_MS) continue;
      this.ask(id, video, now);
    }
  }

  private ask(id: ParticipantId, video: RemoteVideo, now: number): void {
    video.lastRequestMs = now;
    video.keyframeRequests++;
    this.requestKeyframe(id);
  }
}
