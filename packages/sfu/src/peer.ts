import type { RTCPeerConnectionConfig } from "werift";
import { Producer } from "./producer.ts";
import { PublishTransport } from "./publish-transport.ts";
import { type OfferListener, SubscribeTransport } from "./subscribe-transport.ts";
import type { MediaKind, PeerId, RemoteCandidate } from "./types.ts";

/** A participant as the media plane sees it: one connection each way and what it publishes. */
export class Peer {
  readonly producers = new Map<MediaKind, Producer>();
  readonly publishTransport: PublishTransport;
  readonly subscribeTransport: SubscribeTransport;
  private closed = false;

  constructor(
    readonly id: PeerId,
    config: RTCPeerConnectionConfig,
    keyframeIntervalMs: number,
    onOffer: OfferListener,
    onProducer: (producer: Producer) => void,
  ) {
    this.subscribeTransport = new SubscribeTransport(config, onOffer);
    this.publishTransport = new PublishTransport(config, (kind, track, receiver) => {
      if (this.closed || this.producers.has(kind)) return;
      const producer = new Producer(id, kind, track, receiver, keyframeIntervalMs);
      this.producers.set(kind, producer);
      onProducer(producer);
    });
  }

  async addIceCandidate(transport: "send" | "recv", candidate: RemoteCandidate): Promise<void> {
    const target = transport === "send" ? this.publishTransport : this.subscribeTransport;
    await target.addIceCandidate(candidate);
  }

  /** Closes both connections and every producer; the room detaches them from receivers first. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const producer of this.producers.values()) producer.close();
    this.producers.clear();
    this.publishTransport.close();
    this.subscribeTransport.close();
  }
}
