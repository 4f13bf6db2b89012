import type { ParticipantId } from "@conclave/protocol";

const STALL_MS = 2000;
const ASK_AGAIN_MS = 3000;

interface Progress {
  frames: number;
  changedAt: number;
  askedAt: number;
}

/**
 * Asks for a keyframe when a remote video that should be playing has decoded nothing new for a
 * while (a lost keyframe, a reused m-line, later a key change). The server rate-limits these per
 * publisher too; this side asks at most every few seconds per participant.
 */
export class VideoWatchdog {
  private progress = new Map<string, Progress>();

  constructor(
    private readonly request: (participantId: ParticipantId) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `decoded` maps each remote participant whose camera is on to its framesDecoded. */
  observe(decoded: ReadonlyMap<ParticipantId, number>): void {
    const t = this.now();
    const next = new Map<string, Progress>();
    for (const [id, frames] of decoded) {
      const before = this.progress.get(id);
      const p: Progress =
        before && before.frames === frames
          ? before
          : { frames, changedAt: t, askedAt: before?.askedAt ?? Number.NEGATIVE_INFINITY };
      if (t - p.changedAt > STALL_MS && t - p.askedAt > ASK_AGAIN_MS) {
        p.askedAt = t;
        this.request(id);
      }
      next.set(id, p);
    }
    this.progress = next;
  }
}
