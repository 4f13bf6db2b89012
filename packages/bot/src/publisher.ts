import { randomInt } from "node:crypto";
import { MEDIA_CODECS } from "@conclave/protocol";
import { type MediaStreamTrack, RtpHeader, RtpPacket } from "werift";
import type { Clip } from "./clip.ts";
import { packetizeVp8 } from "./vp8-packetizer.ts";

export interface PublisherCounters {
  audioPackets: number;
  videoPackets: number;
  videoFrames: number;
  videoKeyframes: number;
  bytes: number;
  /** Picture loss indications received: each makes the next frame a keyframe. */
  pliReceived: number;
  /** Ticks that found the publisher more than a second behind schedule (event loop stalls). */
  stalls: number;
  /** Frames the sealer refused (no media key yet, or an encryption failure): never sent clear. */
  unsealed: number;
}

/**
 * End-to-end encryption of one whole encoded frame before it is packetized (SFrame with the codec
 * header left in clear, packages/e2ee/src/frames). Resolves null when the frame must not be sent.
 */
export type FrameSealer = (
  kind: "audio" | "video",
  frame: Uint8Array,
) => Promise<Uint8Array | null>;

/** One RTP stream's numbering: random start per RFC 3550 §5.1, our own per stream. */
class RtpStream {
  private sequence = randomInt(0, 0x10000);
  private timestamp = randomInt(0, 0x1_0000_0000);

  constructor(
    private readonly track: MediaStreamTrack,
    private readonly payloadType: number,
    private readonly ssrc: number,
  ) {}

  /** The RTP timestamp of the frame being scheduled now; it is written later if sealing waits. */
  get now(): number {
    return this.timestamp;
  }

  /** Serializes a fresh packet and writes the bytes: no packet object is ever shared. */
  write(payload: Uint8Array, marker: boolean, timestamp: number): number {
    const header = new RtpHeader({
      payloadType: this.payloadType,
      sequenceNumber: this.sequence,
      timestamp,
      ssrc: this.ssrc,
      marker,
    });
    this.sequence = (this.sequence + 1) & 0xffff;
    const bytes = new RtpPacket(
      header,
      Buffer.from(payload.buffer, payload.byteOffset, payload.length),
    ).serialize();
    this.track.writeRtp(bytes);
    return bytes.length;
  }

  advance(ticks: number): void {
    this.timestamp = (this.timestamp + ticks) >>> 0;
  }
}

/**
 * Plays the clip in real time on two tracks, looping forever. Each medium keeps its own schedule
 * (frame n is due at start + n · interval) so timer jitter never accumulates into drift; a late
 * tick sends everything due, a stall longer than a second skips ahead instead of bursting.
 */
export class ClipPublisher {
  readonly counters: PublisherCounters = {
    audioPackets: 0,
    videoPackets: 0,
    videoFrames: 0,
    videoKeyframes: 0,
    bytes: 0,
    pliReceived: 0,
    stalls: 0,
    unsealed: 0,
  };
  /** Sealing is asynchronous: one chain per medium keeps frames in order. */
  private readonly chains = { audio: Promise.resolve(), video: Promise.resolve() };
  private readonly audio: RtpStream;
  private readonly video: RtpStream;
  private readonly startMs = performance.now();
  private audioSent = 0;
  private videoSent = 0;
  private videoIndex = 0;
  private audioIndex = 0;
  private pictureId = randomInt(0, 0x8000);
  private keyframeWanted = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly clip: Clip,
    audioTrack: MediaStreamTrack,
    videoTrack: MediaStreamTrack,
    private readonly seal: FrameSealer | null = null,
  ) {
    this.audio = new RtpStream(
      audioTrack,
      MEDIA_CODECS.audio.payloadType,
      randomInt(1, 0xffffffff),
    );
    this.video = new RtpStream(
      videoTrack,
      MEDIA_CODECS.video.payloadType,
      randomInt(1, 0xffffffff),
    );
  }

  start(): void {
    if (this.timer || this.stopped) return;
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** A receiver lost the picture: the next frame sent is the clip's next keyframe. */
  requestKeyframe(): void {
    this.counters.pliReceived++;
    this.keyframeWanted = true;
  }

  private get videoIntervalMs(): number {
    return 1000 / this.clip.video.fps;
  }

  private tick(): void {
    this.timer = null;
    if (this.stopped) return;
    const elapsed = performance.now() - this.startMs;
    const audioDue = Math.floor(elapsed / this.clip.audio.frameMs) + 1;
    const videoDue = Math.floor(elapsed / this.videoIntervalMs) + 1;
    if (audioDue - this.audioSent > 50 || videoDue - this.videoSent > 20) {
      // More than a second behind: the process was stalled. Skip rather than burst.
      this.counters.stalls++;
      this.skip(audioDue - 1 - this.audioSent, videoDue - 1 - this.videoSent);
    }
    while (this.audioSent < audioDue) this.sendAudio();
    while (this.videoSent < videoDue) this.sendVideo();
    const nextAudio = this.audioSent * this.clip.audio.frameMs;
    const nextVideo = this.videoSent * this.videoIntervalMs;
    const wait = Math.max(1, Math.min(nextAudio, nextVideo) - (performance.now() - this.startMs));
    this.timer = setTimeout(() => this.tick(), wait);
  }

  private skip(audioFrames: number, videoFrames: number): void {
    this.audioSent += audioFrames;
    this.audio.advance(audioFrames * 960);
    this.videoSent += videoFrames;
    this.video.advance(Math.round((videoFrames * 90000) / this.clip.video.fps));
    this.keyframeWanted = true; // receivers lost the reference frames we skipped
  }

  /** Sends a frame now, or once sealed; a frame the sealer refuses is counted, never sent. */
  private emit(kind: "audio" | "video", frame: Uint8Array, send: (data: Uint8Array) => void): void {
    const seal = this.seal;
    if (!seal) {
      send(frame);
      return;
    }
    this.chains[kind] = this.chains[kind].then(async () => {
      const sealed = await seal(kind, frame).catch(() => null);
      if (this.stopped) return;
      if (sealed) send(sealed);
      else this.counters.unsealed++;
    });
  }

  private sendAudio(): void {
    const packets = this.clip.audio.packets;
    const packet = packets[this.audioIndex];
    this.audioIndex = (this.audioIndex + 1) % packets.length;
    this.audioSent++;
    if (packet) {
      const timestamp = this.audio.now;
      this.emit("audio", packet, (data) => {
        this.counters.bytes += this.audio.write(data, false, timestamp);
        this.counters.audioPackets++;
      });
    }
    this.audio.advance(960); // 20 ms at Opus's 48 kHz RTP clock (RFC 7587 §4.1)
  }

  private sendVideo(): void {
    const frames = this.clip.video.frames;
    if (this.keyframeWanted) {
      this.keyframeWanted = false;
      this.videoIndex = nextKeyframe(frames, this.videoIndex);
    }
    const frame = frames[this.videoIndex];
    this.videoIndex = (this.videoIndex + 1) % frames.length;
    this.videoSent++;
    if (frame) {
      const timestamp = this.video.now;
      const pictureId = this.pictureId;
      this.emit("video", frame.data, (data) => {
        for (const p of packetizeVp8(data, pictureId)) {
          this.counters.bytes += this.video.write(p.payload, p.marker, timestamp);
          this.counters.videoPackets++;
        }
      });
      this.pictureId = (this.pictureId + 1) & 0x7fff;
      this.counters.videoFrames++;
      if (frame.keyframe) this.counters.videoKeyframes++;
    }
    this.video.advance(Math.round(90000 / this.clip.video.fps));
  }
}

/** Index of the first keyframe at or after `from`, wrapping; the clip starts with one. */
export function nextKeyframe(
  frames: readonly { readonly keyframe: boolean }[],
  from: number,
): number {
  for (let i = 0; i < frames.length; i++) {
    const at = (from + i) % frames.length;
    if (frames[at]?.keyframe) return at;
  }
  return 0;
}
