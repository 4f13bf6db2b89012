import type { RTCPeerConnectionConfig } from "werift";
import { Peer } from "./peer.ts";
import type { Producer } from "./producer.ts";
import type { OfferListener } from "./subscribe-transport.ts";
import type { PeerId } from "./types.ts";

/** Everyone in one meeting: each peer receives every other peer's producers. */
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
      for (const producer of other.producers.values()) peer.subscribeTransport.consume(producer);
    }
    this.peers.set(id, peer);
    return peer;
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
    for (const other of this.peers.values()) {
      if (other.id !== producer.publisherId) other.subscribeTransport.consume(producer);
    }
  }
}
