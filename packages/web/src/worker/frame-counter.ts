import type {
  FrameCounts,
  MediaKind,
  ParticipantFrameCounts,
  TransformDirection,
} from "./reports.ts";

/** Why a frame was not passed on (SFrame failure reasons, "no-key"...). */
export type DropReason = string;

interface Tally {
  frames: number;
  bytes: number;
  dropped: number;
}

/** Frame and byte counts per direction and kind, and per remote participant for received media. */
export class FrameCounter {
  private readonly totals = new Map<
    string,
    Tally & { direction: TransformDirection; kind: MediaKind }
  >();
  private readonly perParticipant = new Map<
    string,
    Tally & { participantId: string; kind: MediaKind }
  >();

  count(
    direction: TransformDirection,
    kind: MediaKind,
    participantId: string | null,
    bytes: number,
    drop: DropReason | null,
  ): void {
    const key = `${direction}/${kind}`;
    let total = this.totals.get(key);
    if (!total) {
      total = { direction, kind, frames: 0, bytes: 0, dropped: 0 };
      this.totals.set(key, total);
    }
    this.add(total, bytes, drop);
    if (participantId === null) return;
    const pkey = `${participantId}/${kind}`;
    let mine = this.perParticipant.get(pkey);
    if (!mine) {
      mine = { participantId, kind, frames: 0, bytes: 0, dropped: 0 };
      this.perParticipant.set(pkey, mine);
    }
    this.add(mine, bytes, drop);
  }

  snapshot(): { totals: FrameCounts[]; participants: ParticipantFrameCounts[] } {
    return {
      totals: [...this.totals.values()].map((t) => ({ ...t })),
      participants: [...this.perParticipant.values()].map(
        ({ participantId, kind, frames, dropped }) => ({ participantId, kind, frames, dropped }),
      ),
    };
  }

  private add(tally: Tally, bytes: number, drop: DropReason | null): void {
    if (drop) {
      tally.dropped++;
    } else {
      tally.frames++;
      tally.bytes += bytes;
    }
  }
}
