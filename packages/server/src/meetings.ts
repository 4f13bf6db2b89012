import type { RoomId } from "@conclave/protocol";
import type { Sfu } from "@conclave/sfu";
import type { Capacity } from "./capacity.ts";
import { Meeting, type MeetingOptions } from "./meeting.ts";
import type { PresentedLink } from "./meeting-link.ts";

/**
 * All meetings on this server: opened by their first joiner, closed when nobody is left. Each open
 * meeting counts against the rooms cap of the server and of the address that opened it.
 */
export class Meetings {
  private readonly open = new Map<RoomId, Meeting>();
  /** Told when a meeting closes (a cluster's worker tells its primary, cluster/worker-main.ts). */
  onClosed: ((id: RoomId) => void) | null = null;

  constructor(
    private readonly sfu: Sfu,
    private readonly capacity: Capacity,
    private readonly options: MeetingOptions,
  ) {}

  get(id: RoomId): Meeting | undefined {
    return this.open.get(id);
  }

  /** Opens meeting `id` for its first joiner, or throws TOO_MANY_ROOMS. */
  openFor(id: RoomId, address: string, link: PresentedLink | null): Meeting {
    this.capacity.openRoom(address);
    const meeting = new Meeting(id, this.sfu.openRoom(id), link, this.options, () => {
      this.open.delete(id);
      this.capacity.rooms.give(address);
      this.onClosed?.(id);
    });
    this.open.set(id, meeting);
    return meeting;
  }

  /** Connected participants on the server (drain waits for none). */
  get participantCount(): number {
    let n = 0;
    for (const meeting of this.open.values()) n += meeting.present;
    return n;
  }

  /** Closes every meeting (shutdown). */
  closeAll(): void {
    for (const meeting of [...this.open.values()]) {
      meeting.close("SHUTTING_DOWN", "the server is restarting; join again shortly");
    }
  }
}
