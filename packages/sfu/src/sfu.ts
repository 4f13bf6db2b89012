import { peerConfig, publishConfig, type RoomSettings, type SfuOptions } from "./media-config.ts";
import { addMedia, type MediaCounters, noMedia } from "./media-counters.ts";
import { Room } from "./room.ts";

export interface SfuStats extends MediaCounters {
  rooms: number;
  /** Peers whose participant is connected. */
  peers: number;
  /** Peers kept for a participant who dropped and may resume (Peer.hold). */
  heldPeers: number;
  /** What connected peers publish. */
  producers: number;
}

/**
 * The media plane: one room per meeting, opened by the meeting and closed by it. The SFU only
 * keeps the list of open rooms, for its totals and for closing everything at shutdown.
 */
export class Sfu {
  private readonly rooms = new Map<string, Room>();
  private readonly settings: RoomSettings;
  /** Counts of producers already closed, so totals never go backwards. */
  private readonly retired = noMedia();

  constructor(options: SfuOptions) {
    this.settings = {
      config: peerConfig(options),
      publishConfig: publishConfig(options),
      keyframeIntervalMs: options.keyframeIntervalMs,
      interceptPacket: options.interceptPacket,
      retire: (counters) => addMedia(this.retired, counters),
    };
  }

  /** Opens the media room of one meeting; Room.close() ends it and frees the id. */
  openRoom(id: string): Room {
    if (this.rooms.has(id)) throw new Error(`room ${id} is already open`);
    const room = new Room(id, this.settings, () => this.rooms.delete(id));
    this.rooms.set(id, room);
    return room;
  }

  stats(): SfuStats {
    const stats: SfuStats = {
      rooms: this.rooms.size,
      peers: 0,
      heldPeers: 0,
      producers: 0,
      ...this.retired,
    };
    for (const room of this.rooms.values()) room.tally(stats);
    return stats;
  }

  /** Closes every room still open (shutdown). */
  close(): void {
    for (const room of [...this.rooms.values()]) room.close();
  }
}
