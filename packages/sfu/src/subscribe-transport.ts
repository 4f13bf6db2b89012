import {
  MediaStreamTrack,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  type RtpPacket,
} from "werift";
import { withoutHiddenCandidates } from "./hidden-candidates.ts";
import { canRestartIce, restartableIce } from "./ice-restart.ts";
import type { PacketSink, Producer } from "./producer.ts";
import {
  type ForwardedTrack,
  type MediaKind,
  NegotiationError,
  type RemoteCandidate,
} from "./types.ts";

/** One m-line of a receiving connection; reused for a new producer once its publisher is gone. */
class Slot implements PacketSink {
  producer: Producer | null = null;

  constructor(
    readonly kind: MediaKind,
    readonly transceiver: RTCRtpTransceiver,
  ) {}

  write(packet: RtpPacket): void {
    // sendRtp clones the packet before rewriting it; a failed send drops one packet, nothing more.
    this.transceiver.sender.sendRtp(packet).catch(() => {});
  }
}

export type OfferListener = (sdp: string, tracks: ForwardedTrack[]) => void;

/**
 * The server-to-participant connection. The server is always the offerer here: whenever the set
 * of forwarded producers changes it sends a new offer, and never a second one before the answer to
 * the first (docs/protocol.md).
 */
export class SubscribeTransport {
  readonly pc: RTCPeerConnection;
  private readonly slots: Slot[] = [];
  private awaitingAnswer = false;
  private dirty = false;
  private closed = false;
  /** The next offer restarts ICE: its participant came back, perhaps from another address. */
  private restartIce = false;
  /** Offers are made one after another, so a restart never races an offer still being made. */
  private offering: Promise<void> = Promise.resolve();
  /** Producers added since the last applied answer: each needs a keyframe once it flows. */
  private readonly newProducers = new Set<Producer>();

  constructor(
    config: ConstructorParameters<typeof RTCPeerConnection>[0],
    /** Where offers go; null while the participant is away, and changes wait for its return. */
    private onOffer: OfferListener | null,
  ) {
    this.pc = restartableIce(new RTCPeerConnection(config), () => this.requestKeyframes());
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === "connected") this.requestKeyframes();
    });
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

  consume(producer: Producer): void {
    if (this.closed || this.slots.some((s) => s.producer === producer)) return;
    let slot = this.slots.find((s) => s.producer === null && s.kind === producer.kind);
    if (slot) {
      slot.transceiver.setDirection("sendonly");
      // Continue this m-line's sequence numbers and timestamps across the change of source.
      slot.transceiver.sender.replaceRTP({ sequenceNumber: 0, timestamp: 0 }, true);
    } else {
      const track = new MediaStreamTrack({ kind: producer.kind });
      slot = new Slot(producer.kind, this.pc.addTransceiver(track, { direction: "sendonly" }));
      slot.transceiver.sender.onPictureLossIndication.subscribe(() => {
        slot?.producer?.requestKeyframe();
      });
      this.slots.push(slot);
    }
    slot.producer = producer;
    if (this.onOffer !== null) producer.attach(slot);
    this.newProducers.add(producer);
    this.negotiate();
  }

  stopConsuming(producer: Producer): void {
    const slot = this.slots.find((s) => s.producer === producer);
    if (!slot) return;
    producer.detach(slot);
    slot.producer = null;
    slot.transceiver.setDirection("inactive");
    this.newProducers.delete(producer);
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
    for (const producer of this.newProducers) producer.requestKeyframe();
    this.newProducers.clear();
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
    this.onOffer = null;
    for (const slot of this.slots) slot.producer?.detach(slot);
  }

  /**
   * Its participant is back on a new signalling connection (docs/protocol.md "Reconnecting"):
   * offers go there, starting at once with one that restarts ICE and carries what changed while
   * it was away. An offer the dropped connection never answered is superseded by it.
   */
  reconnect(onOffer: OfferListener): void {
    this.onOffer = onOffer;
    for (const slot of this.slots) slot.producer?.attach(slot);
    this.restartIce = true;
    this.awaitingAnswer = false;
    this.negotiate();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const slot of this.slots) slot.producer?.detach(slot);
    this.slots.length = 0;
    this.pc.close().catch(() => {});
  }

  /** Every decoder on this connection starts (again) from a keyframe. */
  private requestKeyframes(): void {
    for (const slot of this.slots) slot.producer?.requestKeyframe();
  }

  private negotiate(): void {
    if (this.closed) return;
    if (this.awaitingAnswer || this.onOffer === null) {
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
    const sdp = this.pc.localDescription?.sdp;
    if (this.closed) return;
    if (!sdp) {
      this.awaitingAnswer = false;
      return;
    }
    // Made while its participant was away: reconnect() offers again.
    this.onOffer?.(sdp, this.forwarded);
  }
}
