import type { MediaSource } from "@conclave/protocol";
import type { MeetingStore } from "./meeting-store.ts";

/** How diagnostics name a source: the camera and microphone keep their plain kind names. */
export const SOURCE_LABEL: Readonly<Record<MediaSource, string>> = {
  microphone: "audio",
  camera: "video",
  screen: "screen",
  screenAudio: "screen audio",
};

export interface StreamStats {
  readonly participantId: string;
  readonly kind: "audio" | "video";
  readonly source: MediaSource;
  readonly kbps: number;
  readonly packetsLost: number;
  readonly jitterMs: number;
  readonly framesDecoded: number | null;
  readonly framesPerSecond: number | null;
  readonly resolution: string | null;
}

export interface SendStats {
  readonly kind: "audio" | "video";
  readonly source: MediaSource;
  readonly kbps: number;
  readonly framesEncoded: number | null;
  readonly resolution: string | null;
}

interface Sample {
  bytes: number;
  at: number;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

function optNum(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** Reads getStats() from both connections and turns byte counters into bitrates. */
export class StatsSampler {
  private previous = new Map<string, Sample>();

  constructor(private readonly meeting: MeetingStore) {}

  async receive(): Promise<StreamStats[]> {
    const pc = this.meeting.receiveConnection;
    if (!pc) return [];
    const tracks = this.meeting.media.receiveTracks();
    const report = await pc.getStats();
    const out: StreamStats[] = [];
    report.forEach((s: Record<string, unknown>) => {
      if (s.type !== "inbound-rtp" || typeof s.mid !== "string") return;
      const track = tracks[s.mid];
      if (!track) return;
      const { participantId, kind, source } = track;
      const width = optNum(s.frameWidth);
      const height = optNum(s.frameHeight);
      out.push({
        participantId,
        kind,
        source,
        kbps: this.rate(`in:${String(s.id)}`, num(s.bytesReceived)),
        packetsLost: num(s.packetsLost),
        jitterMs: Math.round(num(s.jitter) * 1000),
        framesDecoded: optNum(s.framesDecoded),
        framesPerSecond: optNum(s.framesPerSecond),
        resolution: width && height ? `${width}×${height}` : null,
      });
    });
    return out;
  }

  async send(): Promise<SendStats[]> {
    const out: SendStats[] = [];
    for (const [source, report] of await this.meeting.sendStats()) {
      report.forEach((s: Record<string, unknown>) => {
        if (s.type !== "outbound-rtp") return;
        const width = optNum(s.frameWidth);
        const height = optNum(s.frameHeight);
        out.push({
          kind: s.kind === "audio" ? "audio" : "video",
          source,
          kbps: this.rate(`out:${String(s.id)}`, num(s.bytesSent)),
          framesEncoded: optNum(s.framesEncoded),
          resolution: width && height ? `${width}×${height}` : null,
        });
      });
    }
    return out;
  }

  private rate(key: string, bytes: number): number {
    const now = performance.now();
    const before = this.previous.get(key);
    this.previous.set(key, { bytes, at: now });
    if (!before || now <= before.at) return 0;
    return Math.round(((bytes - before.bytes) * 8) / (now - before.at));
  }
}
