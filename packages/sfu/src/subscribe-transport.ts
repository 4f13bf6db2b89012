import {
  MediaStreamTrack,
  type RTCDtlsTransport,
  RTCPeerConnection,
  RtcpTransportLayerFeedback,
  TransportWideCC,
} from "werift";
import { DownlinkFit } from "./downlink-fit.ts";
import { withoutHiddenCandidates } from "./hidden-candidates.ts";
import { canRestartIce, restartableIce } from "./ice-restart.ts";
import type { Producer } from "./producer.ts";
import { senderRoundTripMs } from "./receiver-seams.ts";
import { layerForWidth, Slot } from "./subscribe-slot.ts";
import { reportOf } from "./transport-feedback.ts";
import {
  type ForwardedTrack,
  type MediaKind,
  NegotiationError,
  type ReceiverSignals,
  type RemoteCandidate,
  type ViewedVideo,
} from "./types.ts";

/**
 * M-lines of each kind a receiver gets before one is reused for another producer (the pool,
 * docs/architecture.md "Receiving m-lines"). Up to these, every camera and every microphone that
 * was on has its own m-line, and showing or unmuting it renegotiates nothing; past them, a camera
 * gets an m-line only while its tile is on screen and a microphone only while it is on, taken
 * from a camera off screen or a microphone muted, the one shown or switched on longest ago. So an
 * offer stays far below the SDP limit however many of a hundred people switch a camera or
 * microphone on.
 */
const POOL_FLOOR: Readonly<Record<MediaKind, number>> = { video: 16, audio: 24 };

/** A producer as a view names it: its publisher and source. */
function viewKey(publisherId: string, source: string): string {
  return `${publisherId}/${source}`;
}

/**
 * The server-to-participant connection. The server is always the offerer here: whenever the set
 * of forwarded producers changes it sends a new offer, and never a second one before the answer to
 * the first (docs/protocol.md).
 */
export class SubscribeTransport {
  readonly pc: RTCPeerConnection;
  private readonly slots: Slot[] = [];
  /** Every producer this receiver may get, with an m-line or waiting for one (the pool). */
  private readonly offered = new Set<Producer>();
  private awaitingAnswer = false;
  private dirty = false;
  private closed = false;
  /** The next offer restarts ICE: its participant came back, perhaps from another address. */
  private restartIce = false;
  /** Offers are made one after another, so a restart never races an offer still being made. */
  private offering: Promise<void> = Promise.resolve();
  /** Producers added since the last applied answer: each needs a keyframe once it flows. */
  private readonly newProducers = new Set<Producer>();
  /** The layers that fit its downlink, and the pacer every m-line sends through. */
  private readonly fit: DownlinkFit;
  /** Whether the page has said what it shows (setView); before that every video counts as shown. */
  private viewed = false;
  /** The videos the page shows, by viewKey, and the width of each on screen. */
  private shown = new Map<string, number>();
  /** The DTLS transports whose RTCP the downlink fit reads feedback from. */
  private readonly heard = new WeakSet<RTCDtlsTransport>();

  constructor(
    config: ConstructorParameters<typeof RTCPeerConnection>[0],
    /** Where offers go; null while the participant is away, and changes wait for its return. */
    private signals: ReceiverSignals | null,
  ) {
    this.pc = restartableIce(new RTCPeerConnection(config), () => this.requestKeyframes());
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === "connected") this.requestKeyframes();
    });
    this.fit = new DownlinkFit(this.slots, () => this.signals);
  }

  /** This receiver's downlink estimate, in bits per second. */
  get estimateBps(): number {
    return this.fit.bitsPerSecond;
  }

  /** The layer each forwarded video gets now, by mid (-1: paused). */
  get layers(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const slot of this.slots) {
      if (slot.producer && slot.kind === "video" && slot.transceiver.mid !== null) {
        out[slot.transceiver.mid] = slot.layer;
      }
    }
    return out;
  }

  /**
   * The page's view: a video not listed is not on screen and is not forwarded; a listed one gets
   * no larger a layer than its width needs, and larger tiles (the speaker, a pinned tile) are
   * served first. Applied at once; a shown camera without an m-line gets one (one offer).
   */
  setView(videos: readonly ViewedVideo[]): void {
    this.viewed = true;
    this.shown = new Map(videos.map((v) => [viewKey(v.participantId, v.source), v.width]));
    const now = performance.now();
    for (const slot of this.slots) {
      this.fitToView(slot);
      if (slot.maxLayer >= 0) slot.neededAt = now;
    }
    for (const producer of this.offered) {
      if (!this.slotOf(producer)) this.place(producer);
    }
    this.fit.choose(now);
  }

  /** Sets a video slot's largest layer and width for `producer` from the view (all before any). */
  private fitToView(slot: Slot, producer = slot.producer): void {
    if (slot.kind !== "video" || !this.viewed) return;
    const width = producer && this.shown.get(viewKey(producer.publisherId, producer.source));
    slot.maxLayer = width ? layerForWidth(width) : -1;
    slot.shownWidth = width || 0;
  }

  get forwarded(): ForwardedTrack[] {
    const tracks: ForwardedTrack[] = [];
    for (const slot of this.slots) {
      if (slot.producer && slot.transceiver.mid !== null) {
        tracks.push({
          mid: slot.transceiver.mid,
          publisherId: slot.producer.publisherId,
          kind: slot.kind,
          source: slot.producer.source,
        });
      }
    }
    return tracks;
  }

  /** The smallest round trip its senders measured (RFC 3550 §6.4.1), in ms; undefined before any. */
  roundTripMs(): number | undefined {
    let best: number | undefined;
    for (const slot of this.slots) {
      const rtt = senderRoundTripMs(slot.transceiver.sender);
      if (rtt !== undefined && rtt >= 0 && (best === undefined || rtt < best)) best = rtt;
    }
    return best;
  }

  /**
   * `producer` may reach this receiver: it gets an m-line now, or once the pool has room for it
   * (its video shown, its microphone on). Called again when its publisher switches it on.
   */
  consume(producer: Producer): void {
    if (this.closed) return;
    this.offered.add(producer);
    const slot = this.slotOf(producer);
    if (slot) slot.neededAt = performance.now();
    else this.place(producer);
  }

  stopConsuming(producer: Producer): void {
    this.offered.delete(producer);
    const slot = this.slotOf(producer);
    if (!slot) return;
    slot.take(null);
    slot.transceiver.setDirection("inactive");
    this.newProducers.delete(producer);
    // The first waiting for an m-line of this kind takes the freed one.
    const waiting = [...this.offered].find((p) => p.kind === slot.kind && !this.slotOf(p));
    if (waiting) this.place(waiting);
    this.negotiate();
  }

  /** The m-line that carries `producer`, if it has one. */
  private slotOf(producer: Producer): Slot | undefined {
    return this.slots.find((s) => s.producer === producer);
  }

  /**
   * Whether the page needs `producer` now, past the pool's floor: its camera on screen (so none
   * before the page says what it shows), its microphone on, any screen or screen audio.
   */
  private wanted(producer: Producer): boolean {
    if (producer.source === "camera") {
      return this.shown.has(viewKey(producer.publisherId, producer.source));
    }
    return producer.source === "microphone" ? producer.on : true;
  }

  /**
   * Gives `producer` an m-line: a free one, a new one while the pool is below its floor, else the
   * one of its kind not wanted now (off screen, or muted) that was shown or switched on the
   * longest time ago, else a new one. One not wanted now waits past the floor.
   */
  private place(producer: Producer): void {
    const kind = producer.kind;
    let slot = this.slots.find((s) => s.producer === null && s.kind === kind);
    if (!slot && this.slots.filter((s) => s.kind === kind).length >= POOL_FLOOR[kind]) {
      if (!this.wanted(producer)) return;
      slot = this.slots
        .filter((s) => s.kind === kind && s.producer !== null && !this.wanted(s.producer))
        .sort((a, b) => a.neededAt - b.neededAt)[0];
    }
    if (slot) {
      slot.transceiver.setDirection("sendonly");
    } else {
      const track = new MediaStreamTrack({ kind });
      const transceiver = this.pc.addTransceiver(track, { direction: "sendonly" });
      const made = new Slot(kind, transceiver, this.fit.pacer, this.fit.sent);
      made.transceiver.sender.onPictureLossIndication.subscribe(() => {
        if (made.layer >= 0) made.producer?.requestKeyframe(made.layer);
      });
      this.slots.push(made);
      slot = made;
    }
    if (slot.producer) this.newProducers.delete(slot.producer);
    this.fitToView(slot, producer);
    slot.take(producer);
    this.newProducers.add(producer);
    this.negotiate();
  }

  /** Applies the participant's answer to the last offer, then sends the next offer if needed. */
  async applyAnswer(sdp: string): Promise<void> {
    if (!this.awaitingAnswer)
      throw new NegotiationError("no subscribe offer is waiting for an answer");
    try {
      await this.pc.setRemoteDescription({ type: "answer", sdp: withoutHiddenCandidates(sdp) });
    } catch (error) {
      throw new NegotiationError(`answer rejected: ${(error as Error).message}`);
    }
    this.awaitingAnswer = false;
    // The page bound each m-line to what this offer said it carries: now that flows.
    for (const slot of this.slots) {
      if (slot.producer !== null && slot.producer === slot.offered) {
        slot.link();
        if (this.newProducers.delete(slot.producer)) slot.producer.requestKeyframe();
      }
    }
    if (this.dirty) this.negotiate();
  }

  async addIceCandidate(candidate: RemoteCandidate): Promise<void> {
    await this.pc.addIceCandidate(candidate);
  }

  /** Whether ICE can restart on it: neither failed nor closed. */
  get restartable(): boolean {
    return !this.closed && canRestartIce(this.pc);
  }

  /**
   * Its participant's connection dropped: offers wait until it is back (reconnect), and so does
   * media. Frames of epochs it has not caught up with would only alarm it (docs/e2ee.md "Alarms").
   */
  hold(): void {
    this.signals = null;
    for (const slot of this.slots) slot.unlink();
  }

  /**
   * Its participant is back on a new signalling connection (docs/protocol.md "Reconnecting"):
   * offers go there, starting at once with one that restarts ICE and carries what changed while
   * it was away. An offer the dropped connection never answered is superseded by it.
   */
  reconnect(signals: ReceiverSignals): void {
    this.signals = signals;
    this.fit.retell();
    // Media flows again once the page answers the offer that follows.
    for (const slot of this.slots) if (slot.producer) this.newProducers.add(slot.producer);
    this.restartIce = true;
    this.awaitingAnswer = false;
    this.negotiate();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.fit.close();
    for (const slot of this.slots) slot.unlink();
    this.slots.length = 0;
    this.offered.clear();
    this.pc.close().catch(() => {});
  }

  /**
   * The receiver's transport-wide feedback goes to the downlink fit, from every DTLS transport
   * (one with bundle), whatever SSRC it names: the sequence is the connection's.
   */
  private hearFeedback(): void {
    for (const dtls of this.pc.dtlsTransports) {
      if (this.heard.has(dtls)) continue;
      this.heard.add(dtls);
      dtls.onRtcp.subscribe((packet) => {
        if (
          packet instanceof RtcpTransportLayerFeedback &&
          packet.feedback instanceof TransportWideCC
        ) {
          this.fit.feedback(reportOf(packet.feedback));
        }
      });
    }
  }

  /** Every decoder on this connection starts (again) from a keyframe. */
  private requestKeyframes(): void {
    for (const slot of this.slots) slot.producer?.requestKeyframe();
  }

  private negotiate(): void {
    if (this.closed) return;
    if (this.awaitingAnswer || this.signals === null) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    this.awaitingAnswer = true;
    this.offering = this.offering.then(() => this.createOffer());
  }

  private async createOffer(): Promise<void> {
    if (this.closed) return;
    const restart = this.restartIce;
    this.restartIce = false;
    try {
      await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart: restart }));
    } catch {
      // A failed offer leaves the connection as it was; try again on the next change.
      this.awaitingAnswer = false;
      this.restartIce ||= restart;
      return;
    }
    this.hearFeedback();
    const sdp = this.pc.localDescription?.sdp;
    if (this.closed) return;
    if (!sdp) {
      this.awaitingAnswer = false;
      return;
    }
    // Made while its participant was away: reconnect() offers again.
    if (this.signals === null) return;
    for (const slot of this.slots) slot.offered = slot.producer;
    this.signals.offer(sdp, this.forwarded);
  }
}
