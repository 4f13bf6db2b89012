import { SCREEN_SOURCES } from "@conclave/protocol";
import type { RTCPeerConnectionConfig } from "werift";
import { Peer } from "./peer.ts";
import type { Producer } from "./producer.ts";
import type { OfferListener } from "./subscribe-transport.ts";
import { NegotiationError, type PeerId } from "./types.ts";

/** What a participant shares of its screen. Screen audio goes only with screen video. */
export interface ScreenShare {
  readonly video: boolean;
  readonly audio: boolean;
}

/**
 * Everyone in one meeting: each peer receives every other peer's microphone and camera, and its
 * screen and screen audio while it shares them.
 */
export class Room {
  private readonly peers = new Map<PeerId, Peer>();

  constructor(
    readonly id: string,
    private readonly config: RTCPeerConnectionConfig,
    private readonly keyframeIntervalMs: number,
    private readonly observeProducer: (producer: Producer) => void = () => {},
  ) {}

  get size(): number {
    return this.peers.size;
  }

  peer(id: PeerId): Peer | undefined {
    return this.peers.get(id);
  }

  allPeers(): IterableIterator<Peer> {
    return this.peers.values();
  }

  /** Adds a peer and starts forwarding everything already published to it. */
  addPeer(id: PeerId, onOffer: OfferListener): Peer {
    if (this.peers.has(id)) throw new Error(`peer ${id} is already in room`);
    const peer = new Peer(id, this.config, this.keyframeIntervalMs, onOffer, (producer) =>
      this.onProducer(producer),
    );
    for (const other of this.peers.values()) {
      for (const producer of other.producers.values()) {
        if (other.forwards(producer.source)) peer.subscribeTransport.consume(producer);
      }
    }
    this.peers.set(id, peer);
    return peer;
  }

  /**
   * Starts or stops forwarding a peer's screen m-lines to everyone else: each receiver gets one
   * renegotiation. Throws NegotiationError if the peer's publish offer had no screen m-lines.
   */
  shareScreen(id: PeerId, share: ScreenShare): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    if (!peer.publishTransport.canShareScreen) {
      throw new NegotiationError("publish an offer with the screen m-lines before sharing");
    }
    const wanted = { screen: share.video, screenAudio: share.video && share.audio };
    for (const source of SCREEN_SOURCES) {
      const on = source === "screen" ? wanted.screen : wanted.screenAudio;
      if (!peer.setSharing(source, on)) continue;
      // A producer that does not exist yet is forwarded when its track arrives (onProducer).
      const producer = peer.producers.get(source);
      if (!producer) continue;
      for (const other of this.peers.values()) {
        if (other === peer) continue;
        if (on) other.subscribeTransport.consume(producer);
        else other.subscribeTransport.stopConsuming(producer);
      }
    }
  }

  /** Removes a peer: its producers leave every receiver (one renegotiation each), then it closes. */
  removePeer(id: PeerId): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    this.peers.delete(id);
    for (const other of this.peers.values()) {
      for (const producer of peer.producers.values())
        other.subscribeTransport.stopConsuming(producer);
    }
    peer.close();
  }

  close(): void {
    for (const id of [...this.peers.keys()]) this.removePeer(id);
  }

  private onProducer(producer: Producer): void {
    this.observeProducer(producer);
    if (!this.peers.get(producer.publisherId)?.forwards(producer.source)) return;
    for (const other of this.peers.values()) {
      if (other.id !== producer.publisherId) other.subscribeTransport.consume(producer);
    }
  }
}
