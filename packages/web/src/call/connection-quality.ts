/**
 * Connection quality of one received stream (or of our own sending), from getStats() counters
 * over the last few seconds: packet loss, jitter, round-trip time and video frames dropped.
 */
export type Quality = "good" | "fair" | "poor";

export interface QualityMeasures {
  /** Lost / (received + lost) packets, 0..1. */
  readonly lossRatio: number;
  readonly jitterMs: number;
  readonly rttMs: number | null;
  /** Dropped / received video frames, 0..1; null for audio. */
  readonly droppedRatio: number | null;
}

/** Cumulative counters of one stream at one moment, as getStats() reports them. */
export interface QualitySample {
  readonly at: number;
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly jitterMs: number;
  readonly framesReceived: number | null;
  readonly framesDropped: number | null;
}

/** Above the first bound a measure makes the connection fair, above the second poor. */
const BOUNDS = {
  lossRatio: [0.03, 0.1],
  jitterMs: [40, 100],
  rttMs: [300, 600],
  droppedRatio: [0.1, 0.3],
} as const;

export function rateQuality(m: QualityMeasures): Quality {
  const levels = (Object.keys(BOUNDS) as (keyof typeof BOUNDS)[]).map((name) => {
    const value = m[name];
    if (value === null) return 0;
    const [fair, poor] = BOUNDS[name];
    return value >= poor ? 2 : value >= fair ? 1 : 0;
  });
  const worst = Math.max(...levels);
  return worst === 2 ? "poor" : worst === 1 ? "fair" : "good";
}

const WINDOW_MS = 5000;

/** Samples per stream over the last WINDOW_MS; measures compare the newest with the oldest. */
export class QualityWindow {
  private readonly samples = new Map<string, QualitySample[]>();

  add(key: string, sample: QualitySample): void {
    const list = (this.samples.get(key) ?? []).filter((s) => sample.at - s.at <= WINDOW_MS);
    // Counters that went backwards belong to a new stream on a reused m-line: start over.
    const last = list[list.length - 1];
    const restarted = last && sample.packetsReceived < last.packetsReceived;
    this.samples.set(key, restarted ? [sample] : [...list, sample]);
  }

  /** Forgets the streams not in `keys`. */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.samples.keys()) if (!keys.has(key)) this.samples.delete(key);
  }

  /** Null until the stream has two samples a second apart with packets between them. */
  measures(key: string, rttMs: number | null): QualityMeasures | null {
    const list = this.samples.get(key) ?? [];
    const first = list[0];
    const last = list[list.length - 1];
    if (!first || !last || last.at - first.at < 1000) return null;
    const received = last.packetsReceived - first.packetsReceived;
    const lost = Math.max(0, last.packetsLost - first.packetsLost);
    if (received + lost <= 0) return null;
    const frames =
      last.framesReceived !== null && first.framesReceived !== null
        ? last.framesReceived - first.framesReceived
        : null;
    const dropped =
      last.framesDropped !== null && first.framesDropped !== null
        ? last.framesDropped - first.framesDropped
        : null;
    return {
      lossRatio: lost / (received + lost),
      jitterMs: last.jitterMs,
      rttMs,
      droppedRatio: frames !== null && dropped !== null && frames > 0 ? dropped / frames : null,
    };
  }
}
