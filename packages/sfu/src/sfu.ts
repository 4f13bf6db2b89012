import type { RTCPeerConnectionConfig } from "werift";
import { peerConfig, type SfuOptions } from "./media-config.ts";
import { Room } from "./room.ts";

export interface SfuStats {
  rooms: number;
  peers: number;
  producers: number;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  keyframesRequested: number;
  keyframesSent: number;
}

/** The media plane: rooms keyed by id, created on first use and dropped when empty. */
export class Sfu {
  private readonly rooms = new Map<string, Room>();
  private readonly config: RTCPeerConnectionConfig;
  /** Counters of producers already closed, so totals never go backwards. */
  private readonly retired = {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    keyframesRequested: 0,
    keyframesSent: 0,
  };

  constructor(private readonly options: SfuOptions) {
    this.config = peerConfig(options);
  }

  room(id: string): Room {
    let room = this.rooms.get(id);
    if (!room) {
      const { packetTap: tap, packetRewrite: rewrite } = this.options;
      room = new Room(id, this.config, this.options.keyframeIntervalMs, (producer) => {
        if (tap) producer.tap = (packet) => tap(producer.publisherId, producer.kind, packet);
        if (rewrite) {
          producer.rewrite = (packet) => rewrite(id, producer.publisherId, producer.kind, packet);
        }
      });
      this.rooms.set(id, room);
    }
    return room;
  }

  existingRoom(id: string): Room | undefined {
    return this.rooms.get(id);
  }

  /** Removes a peer from its room and drops the room once empty. */
  removePeer(roomId: string, peerId: string): void {
    const room = this.rooms.get(roomId);
    const peer = room?.peer(peerId);
    if (!room || !peer) return;
    for (const producer of peer.producers.values()) {
      this.retired.packetsIn += producer.packetsIn;
      this.retired.packetsOut += producer.packetsOut;
      this.retired.bytesIn += producer.bytesIn;
      this.retired.keyframesRequested += producer.keyframeStats.requested;
      this.retired.keyframesSent += producer.keyframeStats.sent;
    }
    room.removePeer(peerId);
    if (room.size === 0) this.rooms.delete(roomId);
  }

  stats(): SfuStats {
    const stats: SfuStats = { rooms: this.rooms.size, peers: 0, producers: 0, ...this.retired };
    for (const room of this.rooms.values()) {
      for (const peer of room.allPeers()) {
        stats.peers++;
        for (const producer of peer.producers.values()) {
          stats.producers++;
          stats.packetsIn += producer.packetsIn;
          stats.packetsOut += producer.packetsOut;
          stats.bytesIn += producer.bytesIn;
          stats.keyframesRequested += producer.keyframeStats.requested;
          stats.keyframesSent += producer.keyframeStats.sent;
        }
      }
    }
    return stats;
  }

  close(): void {
    for (const room of this.rooms.values()) room.close();
    this.rooms.clear();
  }
}
