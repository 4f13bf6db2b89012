import { SCREEN_SOURCES } from "@conclave/protocol";
import type { RoomSettings } from "./media-config.ts";
import { addMedia, type MediaCounters } from "./media-counters.ts";
import { Peer } from "./peer.ts";
import type { Producer } from "./producer.ts";
import { type MediaSource, NegotiationError, type PeerId, type ReceiverSignals } from "./types.ts";

/** What a participant shares of its screen. Screen audio goes only with screen video. */
export interface ScreenShare {
  readonly video: boolean;
  readonly audio: boolean;
}

/**
 * Everyone in one meeting: each peer receives every other peer's microphone and camera, and its
 * screen and screen audio while it shares them. The meeting that opened it (Sfu.openRoom) closes
 * it; closing removes every peer, which closes its transports and producers.
 */
export class Room {
  private readonly peers = new Map<PeerId, Peer>();
  private closed = false;

  constructor(
    readonly id: string,
    private readonly settings: RoomSettings,
    /** Told once, when the room closes (the SFU forgets it). */
    private readonly onClose: () => void = () => {},
  ) {}

  get size(): number {
    return this.peers.size;
  }

  /**
   * Adds a peer and starts forwarding everything already published to it. With `awaitMedia`, its
   * own microphone and camera go to the others only once announced (announceMedia).
   */
  addPeer(id: PeerId, signals: ReceiverSignals, { awaitMedia = false } = {}): Peer {
    if (this.closed) throw new Error(`room ${this.id} is closed`);
    if (this.peers.has(id)) throw new Error(`peer ${id} is already in room`);
    const peer = new Peer(
      this.id,
      id,
      this.settings,
      signals,
      (producer) => this.onProducer(producer),
      awaitMedia ? ["microphone", "camera"] : [],
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
   * The peer `id` kept while its participant was away, now reconnected on `signals`' connection
   * (Peer.reconnect); null if there is none or it cannot restart.
   */
  reconnectPeer(id: PeerId, signals: ReceiverSignals): Peer | null {
    const peer = this.peers.get(id);
    return peer?.reconnect(signals) ? peer : null;
  }

  /** The peer `id`'s participant dropped and its place is held (Peer.hold). */
  holdPeer(id: PeerId): void {
    this.peers.get(id)?.hold();
  }

  /** A receiver asks `publisherId` for a keyframe of `source` (rate-limited per publisher). */
  requestKeyframe(publisherId: PeerId, source: MediaSource): void {
    this.peers.get(publisherId)?.producers.get(source)?.requestKeyframe();
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
      this.forwardToOthers(peer, source, on);
    }
  }

  /**
   * The peer `id` says its microphone (`audio`) and camera (`video`) are on or off: one that is on
   * for the first time starts going to everyone else (one renegotiation each). A receive-only
   * participant never costs the others an m-line: in a meeting of a hundred, every receiver's
   * offer would otherwise carry two for each of the others. One on again takes back an m-line
   * where a receiver's pool gave it to someone else meanwhile.
   */
  announceMedia(id: PeerId, audio: boolean, video: boolean): void {
    const peer = this.peers.get(id);
    if (!peer) return;
    const on: [MediaSource, boolean][] = [
      ["microphone", audio],
      ["camera", video],
    ];
    for (const [source, isOn] of on) {
      peer.announce(source, isOn);
      if (isOn) this.forwardToOthers(peer, source, true);
    }
  }

  /** Starts or stops forwarding `source` of `peer` to every other peer. */
  private forwardToOthers(peer: Peer, source: MediaSource, on: boolean): void {
    // A producer that does not exist yet is forwarded when its track arrives (onProducer).
    const producer = peer.producers.get(source);
    if (!producer) return;
    for (const other of this.peers.values()) {
      if (other === peer) continue;
      if (on) other.subscribeTransport.consume(producer);
      else other.subscribeTransport.stopConsuming(producer);
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

  /** Closes every peer, then tells the SFU. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    this.onClose();
  }

  /**
   * Adds this room's connected peers and what they publish into `stats`, and the live counts of
   * every producer: a peer held for its participant's return counts as held, not connected.
   */
  tally(stats: { peers: number; heldPeers: number; producers: number } & MediaCounters): void {
    for (const peer of this.peers.values()) {
      if (peer.present) stats.peers++;
      else stats.heldPeers++;
      for (const producer of peer.producers.values()) {
        if (peer.present) stats.producers++;
        addMedia(stats, producer.counters);
      }
    }
  }

  private onProducer(producer: Producer): void {
    if (!this.peers.get(producer.publisherId)?.forwards(producer.source)) return;
    for (const other of this.peers.values()) {
      if (other.id !== producer.publisherId) other.subscribeTransport.consume(producer);
    }
  }
}
