import { SOURCE_KIND } from "@conclave/protocol";
import { type MediaStreamTrack, type RTCRtpReceiver, RtpPacket } from "werift";
import { KeyframeLimiter } from "./keyframe-limiter.ts";
import type { RoomSettings } from "./media-config.ts";
import type { MediaCounters } from "./media-counters.ts";
import type { MediaKind, MediaSource, PeerId } from "./types.ts";

/** Where a producer's packets go: one m-line of one receiving connection. */
export interface PacketSink {
  /** The sink's sender works on its own copy: it must not change `packet`. */
  write(packet: RtpPacket): void;
}

/**
 * One published track. Each received packet goes as it was parsed to every sink: werift's sender
 * (0.25) clones a packet object before it rewrites SSRC, sequence number and timestamp, so no
 * receiver ever sees another's mutation (FIELD-NOTES: sharing one object was fragile in werift
 * versions whose sender mutated it in place). Neither serialized again nor parsed again per
 * receiver: both were per-packet, per-receiver costs (docs/performance.md).
 */
export class Producer {
  private readonly sinks = new Set<PacketSink>();
  private readonly keyframes: KeyframeLimiter | null;
  private readonly unsubscribe: () => void;
  /** Test-only (RoomSettings.interceptPacket): replaces or (null) drops each packet. */
  private readonly intercept: ((packet: Buffer) => Buffer | null) | null;
  private closed = false;
  /** Its publisher is away (Peer.hold): what still arrives goes nowhere until it is back. */
  private paused = false;
  private packetsIn = 0;
  private packetsOut = 0;
  private bytesIn = 0;

  constructor(
    roomId: string,
    readonly publisherId: PeerId,
    readonly source: MediaSource,
    track: MediaStreamTrack,
    receiver: RTCRtpReceiver,
    private readonly settings: RoomSettings,
  ) {
    const ssrc = track.ssrc;
    this.keyframes =
      this.kind === "video" && ssrc !== undefined
        ? new KeyframeLimiter(() => {
            receiver.sendRtcpPLI(ssrc).catch(() => {});
          }, settings.keyframeIntervalMs)
        : null;
    const hook = settings.interceptPacket;
    this.intercept = hook ? (packet) => hook(roomId, publisherId, this.kind, packet) : null;
    this.unsubscribe = track.onReceiveRtp.subscribe((rtp: RtpPacket) =>
      this.forward(rtp),
    ).unSubscribe;
  }

  get kind(): MediaKind {
    return SOURCE_KIND[this.source];
  }

  get counters(): MediaCounters {
    return {
      packetsIn: this.packetsIn,
      packetsOut: this.packetsOut,
      bytesIn: this.bytesIn,
      keyframesRequested: this.keyframes?.requested ?? 0,
      keyframesSent: this.keyframes?.sent ?? 0,
    };
  }

  attach(sink: PacketSink): void {
    this.sinks.add(sink);
  }

  detach(sink: PacketSink): void {
    this.sinks.delete(sink);
  }

  requestKeyframe(): void {
    this.keyframes?.request();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  /** Stops forwarding; its counts go to the SFU's totals. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe();
    this.keyframes?.close();
    this.sinks.clear();
    this.settings.retire(this.counters);
  }

  private forward(rtp: RtpPacket): void {
    this.packetsIn++;
    this.bytesIn += rtp.payload.length;
    if (this.paused || (this.sinks.size === 0 && !this.intercept)) return;
    const packet = this.intercept ? this.intercepted(rtp) : rtp;
    if (packet === null) return;
    for (const sink of this.sinks) sink.write(packet);
    this.packetsOut += this.sinks.size;
  }

  /**
   * The test-only hook sees and returns bytes; what it returns is forwarded. Nothing is when it
   * returns null or bytes that are no RTP packet (as a sender would have dropped them).
   */
  private intercepted(rtp: RtpPacket): RtpPacket | null {
    const bytes = this.intercept?.(rtp.serialize()) ?? null;
    if (bytes === null) return null;
    try {
      return RtpPacket.deSerialize(bytes);
    } catch {
      return null;
    }
  }
}
