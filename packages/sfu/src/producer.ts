import { SIMULCAST_RIDS, SOURCE_KIND } from "@conclave/protocol";
import { type MediaStreamTrack, type RTCRtpReceiver, RtpPacket } from "werift";
import { KeyframeLimiter } from "./keyframe-limiter.ts";
import type { RoomSettings } from "./media-config.ts";
import type { MediaCounters } from "./media-counters.ts";
import { type LayerFlow, starvedLayers } from "./starved-layers.ts";
import type { MediaKind, MediaSource, PeerId } from "./types.ts";
import { isKeyframeStart } from "./vp8.ts";

/**
 * Where a producer's packets go: one m-line of one receiving connection. It takes one layer of a
 * simulcast producer (`layer`, -1 for none); when `wantedLayer` differs, it switches at the first
 * keyframe of that layer (`switchTo`), where the receiver's decoder can start over.
 */
export interface PacketSink {
  /** The sink's sender works on its own copy: it must not change `packet`. */
  write(packet: RtpPacket): void;
  readonly layer: number;
  readonly wantedLayer: number;
  /** The highest layer its receiver's tile needs (-1: not on screen, Infinity: not said yet). */
  readonly maxLayer: number;
  switchTo(layer: number): void;
}

/**
 * One layer as received: its SSRC once seen, for keyframe requests, its recent rate and frame rate,
 * and whether it is starved (starved-layers.ts).
 */
class Layer {
  ssrc: number | undefined;
  keyframes: KeyframeLimiter | null = null;
  starved = false;
  private bytes = 0;
  private frames = 0;
  private since = performance.now();
  private flow: LayerFlow = { bitsPerSecond: 0, framesPerSecond: 0 };

  /** A packet of `bytes`; `endOfFrame` when it is a frame's last (its marker bit). */
  count(bytes: number, endOfFrame: boolean): void {
    this.bytes += bytes;
    if (endOfFrame) this.frames++;
  }

  /** Its flow over the last second or more; 0 when nothing flows. */
  flowNow(now: number): LayerFlow {
    const elapsed = now - this.since;
    if (elapsed >= 1000) {
      this.flow = {
        bitsPerSecond: (this.bytes * 8 * 1000) / elapsed,
        framesPerSecond: (this.frames * 1000) / elapsed,
      };
      this.bytes = 0;
      this.frames = 0;
      this.since = now;
    }
    return this.flow;
  }
}

/**
 * The tracks of a received m-line by layer: one per simulcast rid, lowest first, or the m-line's
 * one track when it carries no simulcast.
 */
function layerTracks(track: MediaStreamTrack, receiver: RTCRtpReceiver): MediaStreamTrack[] {
  const byRid = SIMULCAST_RIDS.map((rid) => receiver.tracks.find((t) => t.rid === rid));
  const layered = byRid.filter((t): t is MediaStreamTrack => t !== undefined);
  return layered.length > 0 ? layered : [track];
}

/**
 * One published track. Each received packet goes as it was parsed to every sink of its layer:
 * werift's sender (0.25) clones a packet object before it rewrites SSRC, sequence number and
 * timestamp, so no receiver ever sees another's mutation (FIELD-NOTES: sharing one object was
 * fragile in werift versions whose sender mutated it in place). Neither serialized again nor
 * parsed again per receiver: both were per-packet, per-receiver costs (docs/performance.md).
 */
export class Producer {
  private readonly sinks = new Set<PacketSink>();
  private readonly layers: Layer[];
  private readonly unsubscribe: Array<() => void>;
  /** Test-only (RoomSettings.interceptPacket): replaces or (null) drops each packet. */
  private readonly intercept: ((packet: Buffer) => Buffer | null) | null;
  private closed = false;
  /**
   * Whether its publisher says the source is on (media-state): a muted microphone's m-line is the
   * first a receiver's pool reuses (subscribe-transport.ts).
   */
  on = true;
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
    private readonly receiver: RTCRtpReceiver,
    private readonly settings: RoomSettings,
  ) {
    const tracks = layerTracks(track, receiver);
    this.layers = tracks.map((t) => {
      const layer = new Layer();
      layer.ssrc = t.ssrc;
      return layer;
    });
    const hook = settings.interceptPacket;
    this.intercept = hook ? (packet) => hook(roomId, publisherId, this.kind, packet) : null;
    this.unsubscribe = tracks.map(
      (t, i) => t.onReceiveRtp.subscribe((rtp: RtpPacket) => this.forward(rtp, i)).unSubscribe,
    );
  }

  get kind(): MediaKind {
    return SOURCE_KIND[this.source];
  }

  /** How many layers it receives: 3 from a simulcast camera, else 1. */
  get layerCount(): number {
    return this.layers.length;
  }

  /**
   * How many layers, lowest first, its receivers' tiles need: the largest tile's (all before a
   * receiver says what it shows), at least one.
   */
  layersNeeded(): number {
    let highest = 0;
    for (const sink of this.sinks) highest = Math.max(highest, sink.maxLayer);
    return Math.min(this.layers.length, highest + 1);
  }

  /** Each layer's rate now, lowest first (layer-choice.ts); 0 for a starved one. */
  layerRates(now = performance.now()): number[] {
    const flows = this.layers.map((layer) => layer.flowNow(now));
    const starved = starvedLayers(
      flows,
      this.layers.map((layer) => layer.starved),
    );
    return flows.map((flow, i) => {
      (this.layers[i] as Layer).starved = starved[i] as boolean;
      return starved[i] ? 0 : flow.bitsPerSecond;
    });
  }

  get counters(): MediaCounters {
    let requested = 0;
    let sent = 0;
    for (const layer of this.layers) {
      requested += layer.keyframes?.requested ?? 0;
      sent += layer.keyframes?.sent ?? 0;
    }
    return {
      packetsIn: this.packetsIn,
      packetsOut: this.packetsOut,
      bytesIn: this.bytesIn,
      keyframesRequested: requested,
      keyframesSent: sent,
    };
  }

  attach(sink: PacketSink): void {
    this.sinks.add(sink);
  }

  detach(sink: PacketSink): void {
    this.sinks.delete(sink);
  }

  /** Asks for a keyframe of `layer`, or of every layer someone receives or waits for. */
  requestKeyframe(layer?: number): void {
    if (this.kind !== "video") return;
    if (layer !== undefined) {
      this.keyframesOf(layer)?.request();
      return;
    }
    const wanted = new Set<number>();
    for (const sink of this.sinks) wanted.add(sink.wantedLayer).add(sink.layer);
    if (this.sinks.size === 0) wanted.add(this.layers.length - 1);
    for (const index of wanted) this.keyframesOf(index)?.request();
  }

  setPaused(paused: boolean): void {
    this.paused = paused;
  }

  /** Stops forwarding; its counts go to the SFU's totals. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    for (const layer of this.layers) layer.keyframes?.close();
    this.sinks.clear();
    this.settings.retire(this.counters);
  }

  /** The rate-limited keyframe requests of one layer (per SSRC, FIELD-NOTES "Keyframes"). */
  private keyframesOf(index: number): KeyframeLimiter | null {
    const layer = this.layers[index];
    if (!layer) return null;
    layer.keyframes ??= new KeyframeLimiter(() => {
      if (layer.ssrc !== undefined) this.receiver.sendRtcpPLI(layer.ssrc).catch(() => {});
    }, this.settings.keyframeIntervalMs);
    return layer.keyframes;
  }

  private forward(rtp: RtpPacket, index: number): void {
    this.packetsIn++;
    this.bytesIn += rtp.payload.length;
    const layer = this.layers[index] as Layer;
    layer.ssrc = rtp.header.ssrc;
    layer.count(rtp.payload.length, rtp.header.marker);
    if (this.paused || (this.sinks.size === 0 && !this.intercept)) return;
    // The publish leg's header extensions (transport-wide sequence, mid, rid) belong to that leg;
    // werift's sender would copy them onto the forwarded packet under ids the receiving leg never
    // negotiated. The packet is this producer's own (werift clones it per track).
    rtp.header.extensions = [];
    rtp.header.extension = false;
    const packet = this.intercept ? this.intercepted(rtp) : rtp;
    if (packet === null) return;
    let keyframe: boolean | undefined;
    for (const sink of this.sinks) {
      if (sink.layer !== index) {
        if (sink.wantedLayer !== index) continue;
        keyframe ??= this.kind === "video" && isKeyframeStart(packet.payload);
        if (!keyframe) continue;
        sink.switchTo(index);
      }
      sink.write(packet);
      this.packetsOut++;
    }
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
