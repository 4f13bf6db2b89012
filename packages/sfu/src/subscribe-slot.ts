/**
 * One m-line of a receiving connection (subscribe-transport.ts): which producer it forwards, at
 * which simulcast layer, through the receiver's pacer; reused for another producer once its
 * publisher is gone, or once its video is off screen or its microphone muted in a large meeting
 * (the pool, docs/architecture.md "Receiving m-lines").
 */
import { type RTCRtpTransceiver, RtcpRrPacket, RtcpSrPacket, RtpHeader, RtpPacket } from "werift";
import { DownlinkLoss } from "./downlink-loss.ts";
import type { Paced, PacedSink, Pacer } from "./pacer.ts";
import type { PacketSink, Producer } from "./producer.ts";
import {
  nextRtxSequence,
  resendRtpNow,
  senderSequenceNumber,
  sendRtpNow,
  transportSequence,
  withoutWeriftEstimator,
} from "./receiver-seams.ts";
import { ResendLimit } from "./resend-limit.ts";
import type { LostPacketSink, SendHistory } from "./send-history.ts";
import type { MediaKind } from "./types.ts";
import { isKeyframeStart, temporalInfo } from "./vp8.ts";

/**
 * Bytes a packet takes on the receiver's link: its RTP header and payload, plus what it carries
 * besides (header extensions, the SRTP tag, UDP and IPv4 headers: about 48 bytes). For audio's
 * small packets that is a third of the total, which a narrow link has to carry too.
 */
function wireBytes(packet: RtpPacket): number {
  return packet.payload.length + 12 + (packet.header.padding ? packet.header.paddingSize : 0) + 48;
}

const SKIP = { skip: true } as const;

/** One frame interval at 30 fps on VP8's 90 kHz clock, between the last frame and a new layer's. */
const LAYER_SWITCH_STEP = 3000;

/** The most padding one RTP packet carries: its last byte counts them (RFC 3550 §5.1). */
const MAX_PADDING = 255;
/** What a padding packet takes on the link besides its padding, as wireBytes counts. */
const PADDING_OVERHEAD = 12 + 48;
/** The longest gap between frames that padding after a frame makes up for. */
const MAX_PADDED_GAP_MS = 100;

export class Slot implements PacketSink, PacedSink, LostPacketSink {
  producer: Producer | null = null;
  layer = 0;
  wantedLayer = 0;
  /** The highest layer this receiver's tile needs (-1: not on screen), and the tile's width. */
  maxLayer = Number.POSITIVE_INFINITY;
  shownWidth = Number.POSITIVE_INFINITY;
  /**
   * Since the estimate last looked: bytes forwarded to the pacer, and bytes and packets it sent.
   */
  bytesIn = 0;
  bytesSent = 0;
  packetsSent = 0;
  /** The loss on the link to the receiver, by its reports (taken by the estimate's look). */
  readonly loss = new DownlinkLoss();
  /**
   * The producer the last offer said this m-line carries: its packets flow only once the answer to
   * that offer is in, so the page has bound the m-line to its new sender first (DESIGN T6).
   */
  offered: Producer | null = null;
  /**
   * When it took its producer, or last had its video on screen or its microphone switched on: the
   * pool reuses the oldest of those not needed now.
   */
  neededAt = performance.now();
  /** Whether its producer's packets reach it now (attached). */
  private linked = false;
  /** Stopped for congestion: forwarding resumes at the wanted layer's keyframe, not at once. */
  private stopped = false;
  /** Packets of the current source not forwarded since the last splice: later ones move up. */
  private skipped = 0;
  /**
   * Bits per second of padding it sends after its frames while the receiver's link is probed
   * (downlink-fit.ts); 0 otherwise.
   */
  probeBps = 0;
  /** When padding last followed a frame. */
  private paddedAt = 0;
  /**
   * The highest VP8 temporal layer it forwards (Infinity: all; downlink-fit.ts lowers it on a
   * link that cannot carry even the lowest spatial layer), and the one asked for: a lower one
   * applies at once (no frame of a lower layer refers to a higher one's), a higher one from a
   * frame that can start it (a layer sync, or a keyframe).
   */
  private temporal = Number.POSITIVE_INFINITY;
  private temporalWanted = Number.POSITIVE_INFINITY;

  private readonly resends: ResendLimit;

  constructor(
    readonly kind: MediaKind,
    readonly transceiver: RTCRtpTransceiver,
    private readonly pacer: Pacer,
    /** Where the receiving connection keeps when each packet left (for its feedback). */
    private readonly history: SendHistory,
  ) {
    const sender = transceiver.sender;
    withoutWeriftEstimator(sender);
    // It takes over the sender's answer to NACKs; the sender keeps it.
    this.resends = new ResendLimit(sender, (packet) =>
      pacer.send(this, { resend: packet }, wireBytes(packet)),
    );
    const firstRtx = nextRtxSequence(sender);
    sender.onRtcp.subscribe((packet) => {
      if (!(packet instanceof RtcpRrPacket || packet instanceof RtcpSrPacket)) return;
      const repairs = packet.reports.find((r) => r.ssrc === sender.rtxSsrc);
      if (repairs) this.loss.repairs(repairs.highestSequence, repairs.packetsLost, firstRtx);
      const report = packet.reports.find((r) => r.ssrc === sender.ssrc);
      if (!report) return;
      this.loss.report(report.highestSequence, report.packetsLost);
    });
  }

  /**
   * Carries `producer` from now on (null: nothing), at its lowest layer flowing now (layer 0
   * before any was measured) unless off screen: a narrow downlink is not flooded before its
   * estimate has a say, and the next look (within a second) moves it up as far as the estimate
   * allows. Nothing flows until `link`. What the previous producer left waiting in the pacer, or
   * could still be resent from it, never reaches the page after its new binding.
   */
  take(producer: Producer | null): void {
    const previous = this.producer;
    this.unlink();
    if (previous !== null) {
      this.pacer.discard(this);
      this.resends.forgetSent();
      // Continue this m-line's sequence numbers and timestamps across the change of source.
      this.splice();
    }
    this.producer = producer;
    this.neededAt = performance.now();
    this.stopped = false;
    if (producer === null) return;
    const flowing = producer.layerRates().findIndex((rate) => rate > 0);
    this.layer = this.wantedLayer = this.maxLayer < 0 ? -1 : Math.max(0, flowing);
  }

  /** Its producer's packets start to reach it. */
  link(): void {
    if (this.linked || this.producer === null) return;
    this.producer.attach(this);
    this.linked = true;
  }

  /** Its producer's packets stop reaching it. */
  unlink(): void {
    if (!this.linked) return;
    this.producer?.detach(this);
    this.linked = false;
  }

  write(packet: RtpPacket): void {
    // A publisher's bandwidth probes (padding only, up to 255 bytes each) are for its own link to
    // the SFU; forwarded, they filled a narrow receiver's link with nothing.
    if (packet.payload.length === 0 || this.leavesOut(packet)) {
      this.pacer.send(this, SKIP, 0);
      return;
    }
    const bytes = wireBytes(packet);
    this.bytesIn += bytes;
    if (!this.pacer.send(this, packet, bytes, this.kind === "audio")) {
      this.pacer.send(this, SKIP, 0);
    }
  }

  /** The highest temporal layer asked for (Infinity: all). */
  get temporalLimit(): number {
    return this.temporalWanted;
  }

  /** Forwards VP8 temporal layers up to `layer` only (Infinity: all). */
  limitTemporal(layer: number): void {
    this.temporalWanted = layer;
    if (layer < this.temporal) this.temporal = layer;
  }

  /** Whether `packet` belongs to a temporal layer above what it forwards now. */
  private leavesOut(packet: RtpPacket): boolean {
    const all = Number.POSITIVE_INFINITY;
    if (this.kind !== "video" || (this.temporal === all && this.temporalWanted === all))
      return false;
    const info = temporalInfo(packet.payload);
    if (info === null) return false;
    // A keyframe starts every layer again; a layer sync starts its own layer.
    if (info.layer === 0 && isKeyframeStart(packet.payload)) this.temporal = this.temporalWanted;
    else if (info.layer > this.temporal && info.layer <= this.temporalWanted && info.sync) {
      this.temporal = info.layer;
    }
    return info.layer > this.temporal;
  }

  /** Whether padding can follow its frames: a video whose producer's packets reach it. */
  get canPad(): boolean {
    return this.kind === "video" && this.layer >= 0 && this.linked;
  }

  /** Continues this m-line's sequence numbers and timestamps across a change of source. */
  splice(timestampStep = 1): void {
    this.pacer.send(this, { timestampStep }, 0);
  }

  dispatch(item: Paced, bytes: number): void {
    const sender = this.transceiver.sender;
    if ("skip" in item) {
      this.skipped++;
      return;
    }
    if ("timestampStep" in item) {
      this.skipped = 0;
      sender.replaceRTP({ sequenceNumber: 0, timestamp: 0 }, true, item.timestampStep);
      return;
    }
    if ("resend" in item) {
      const resent = resendRtpNow(sender, item.resend);
      if (resent !== undefined) {
        const { sequenceNumber } = item.resend.header;
        this.history.sent(resent, bytes, performance.now(), this, sequenceNumber, true);
      }
      return;
    }
    // The sender clones the packet before rewriting it (werift 0.25.2's dispatchRtp): shifted for
    // the packets skipped before it and put back, other receivers see it unchanged.
    const { header } = item;
    const sequence = header.sequenceNumber;
    const shifted = (sequence - this.skipped) & 0xffff;
    header.sequenceNumber = shifted;
    this.sent(item, bytes, this.kind === "video");
    header.sequenceNumber = sequence;
    if (header.marker && this.probeBps > 0) this.padAfterFrame(shifted, header);
  }

  /** Sends `packet`; a `repairable` one is sent again if the receiver's feedback says it was lost. */
  private sent(packet: RtpPacket, bytes: number, repairable: boolean): void {
    const sender = this.transceiver.sender;
    this.bytesSent += bytes;
    this.packetsSent++;
    // A failed send drops one packet, nothing more.
    try {
      sendRtpNow(sender, packet);
    } catch {}
    // Reports name what arrived by the numbers packets went out with.
    const sent = senderSequenceNumber(sender);
    if (sent !== undefined) this.loss.sent(sent);
    const transport = transportSequence(sender);
    if (transport === undefined) return;
    if (repairable && sent !== undefined) {
      this.history.sent(transport, bytes, performance.now(), this, sent);
    } else this.history.sent(transport, bytes, performance.now());
  }

  /**
   * The receiver's feedback says a packet did not arrive. A resend that was lost goes again (the
   * receiver would ask again only after its own round-trip wait: a receive-only connection has no
   * round trip of its own in Chromium, so 100 ms); a packet never asked for goes once, as the
   * request was likely lost with it. One asked for already is left to that request's resend.
   */
  lostOnTheWay(sequence: number, resend: boolean): void {
    this.resends.lostOnTheWay(sequence, resend);
  }

  /**
   * The probe's padding since the last frame, right after this frame's last packet (`frameEnd`,
   * sent as `sequence`): padding-only packets (RFC 3550 §5.1) numbered after it with its
   * timestamp; the packets after them move up. Padding goes only there: inside a frame it breaks
   * the frame (the receiver assembles one only from consecutive packets of one timestamp).
   * werift's SRTP does not write the padding a header names, so the padding bytes are the
   * payload, the last one counting them. Padding carries nothing, so it is never repaired.
   */
  private padAfterFrame(sequence: number, frameEnd: RtpHeader): void {
    const now = performance.now();
    const ms = Math.min(MAX_PADDED_GAP_MS, now - this.paddedAt);
    this.paddedAt = now;
    let owed = (this.probeBps / 8) * (ms / 1000);
    let next = sequence;
    while (owed > PADDING_OVERHEAD) {
      const padding = Math.min(MAX_PADDING, Math.ceil(owed - PADDING_OVERHEAD));
      owed -= padding + PADDING_OVERHEAD;
      next = (next + 1) & 0xffff;
      this.skipped--;
      const payload = Buffer.alloc(padding);
      payload[padding - 1] = padding;
      const header = new RtpHeader({
        sequenceNumber: next,
        timestamp: frameEnd.timestamp,
        payloadType: frameEnd.payloadType,
        padding: true,
        paddingSize: padding,
      });
      this.sent(new RtpPacket(header, payload), padding + PADDING_OVERHEAD, false);
    }
  }

  /** Switches at a keyframe; the sender continues its sequence numbers and timestamps. */
  switchTo(layer: number): void {
    this.layer = layer;
    this.stopped = false;
    this.splice(LAYER_SWITCH_STEP);
  }

  /**
   * Asks for `layer` (-1: nothing). Between two layers the switch waits for the new one's next
   * keyframe, so a picture that plays keeps playing; from nothing it resumes at once, and the
   * receiver's decoder asks for the keyframe it needs (as when a receiver joins). A step down on
   * `congested` stops the higher layer at once instead, and drops what of it waits in the pacer:
   * it is what fills the receiver's queue, and the lower layer's keyframe would wait behind it.
   * A pause on `congested` drops what waits too, for the videos that keep moving.
   */
  want(layer: number, congested = false): void {
    if (layer === this.wantedLayer) return;
    this.wantedLayer = layer;
    const was = this.layer;
    if (layer < 0) {
      this.layer = -1;
      this.stopped = false;
      // Paused to fit a congested link: what waits of it would only delay the videos that stay.
      if (congested) this.pacer.discard(this);
    } else if (was < 0 && !this.stopped) this.switchTo(layer);
    else if (congested && layer < was) {
      this.layer = -1;
      this.stopped = true;
      this.pacer.discard(this);
    }
    if (layer >= 0 && layer !== was) this.producer?.requestKeyframe(layer);
  }
}

/**
 * The layer a tile `width` device pixels wide needs, by the rids' scales (SIMULCAST_RIDS) of a
 * 1280-pixel camera: a quarter up to 400 px, half up to 800, else full.
 */
export function layerForWidth(width: number): number {
  return width <= 400 ? 0 : width <= 800 ? 1 : 2;
}
