import { SOURCE_KIND } from "@conclave/protocol";
import type { MediaStreamTrack, RTCRtpReceiver, RtpPacket } from "werift";
import { KeyframeLimiter } from "./keyframe-limiter.ts";
import type { MediaKind, MediaSource, PeerId } from "./types.ts";

/** Where a producer's packets go: one m-line of one receiving connection. */
export interface PacketSink {
  write(packet: Buffer): void;
}

/**
 * One published track. Each received packet is serialized once and the same bytes are written to
 * every sink; the sinks' senders each parse their own copy before rewriting SSRC, sequence number
 * and timestamp, so no receiver ever sees another's mutation (FIELD-NOTES: sharing one packet
 * object between senders is fragile).
 */
export class Producer {
  private readonly sinks = new Set<PacketSink>();
  private readonly keyframes: KeyframeLimiter | null;
  private readonly unsubscribe: () => void;
  /** Sees every received packet, serialized; the server's test-only capture uses it. */
  tap: ((packet: Buffer) => void) | null = null;
  /** Test-only: replaces or (null) drops each packet before it is forwarded; see SfuOptions. */
  rewrite: ((packet: Buffer) => Buffer | null) | null = null;
  packetsIn = 0;
  packetsOut = 0;
  bytesIn = 0;

  constructor(
    readonly publisherId: PeerId,
    readonly source: MediaSource,
    track: MediaStreamTrack,
    receiver: RTCRtpReceiver,
    keyframeIntervalMs: number,
  ) {
    const ssrc = track.ssrc;
    this.keyframes =
      this.kind === "video" && ssrc !== undefined
        ? new KeyframeLimiter(() => {
            receiver.sendRtcpPLI(ssrc).catch(() => {});
          }, keyframeIntervalMs)
        : null;
    this.unsubscribe = track.onReceiveRtp.subscribe((rtp: RtpPacket) =>
      this.forward(rtp),
    ).unSubscribe;
  }

  get kind(): MediaKind {
    return SOURCE_KIND[this.source];
  }

  get keyframeStats(): { requested: number; sent: number } {
    return { requested: this.keyframes?.requested ?? 0, sent: this.keyframes?.sent ?? 0 };
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

  close(): void {
    this.unsubscribe();
    this.keyframes?.close();
    this.sinks.clear();
  }

  private forward(rtp: RtpPacket): void {
    this.packetsIn++;
    this.bytesIn += rtp.payload.length;
    if (this.sinks.size === 0 && !this.tap && !this.rewrite) return;
    const received = rtp.serialize();
    this.tap?.(received);
    const bytes = this.rewrite ? this.rewrite(received) : received;
    if (bytes === null) return;
    for (const sink of this.sinks) sink.write(bytes);
    this.packetsOut += this.sinks.size;
  }
}
