import type { ParticipantId } from "@conclave/protocol";
import { ActiveSpeaker } from "./active-speaker.ts";
import {
  type Quality,
  type QualitySample,
  QualityWindow,
  rateQuality,
} from "./connection-quality.ts";
import type { RemoteParticipant } from "./remote-participants.ts";
import { Store } from "./store.ts";

/** The tile key of our own camera tile; others are keyed by participant id (see `screenKey`). */
export const SELF_TILE = "self";

export function screenKey(id: string): string {
  return `${id}/screen`;
}

export interface CallMonitorState {
  /** Connection quality by tile key; absent while there is too little to judge. */
  readonly quality: Readonly<Record<string, Quality>>;
  /** The remote participant speaking now, or the last one who did. */
  readonly speaker: ParticipantId | null;
}

/** What the monitor reads from the meeting: the two connections and who is shown. */
export interface MonitoredCall {
  readonly receiveConnection: RTCPeerConnection | null;
  readonly sendConnection: RTCPeerConnection | null;
  /** Who is shown now. */
  readonly participants: readonly RemoteParticipant[];
}

type Stat = Record<string, unknown>;

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

/** The round trip of the connection's selected candidate pair, in ms. */
function roundTripMs(report: RTCStatsReport): number | null {
  let rtt: number | null = null;
  report.forEach((s: Stat) => {
    if (s.type === "candidate-pair" && s.nominated === true && s.state === "succeeded") {
      const seconds = num(s.currentRoundTripTime);
      if (seconds !== null) rtt = Math.round(seconds * 1000);
    }
  });
  return rtt;
}

function inboundSample(s: Stat, at: number): QualitySample {
  return {
    at,
    packetsReceived: num(s.packetsReceived) ?? 0,
    packetsLost: num(s.packetsLost) ?? 0,
    jitterMs: (num(s.jitter) ?? 0) * 1000,
    framesReceived: num(s.framesReceived),
    framesDropped: num(s.framesDropped),
  };
}

const trackId = (stream: MediaStream | null | undefined) => stream?.getTracks()[0]?.id;

/**
 * Once a second: connection quality per tile from getStats() (received streams for remote tiles,
 * the server's receiver reports of our streams for our own), and the active speaker from the
 * decrypted audio's levels. Stats are attributed by track, so nothing here depends on mids.
 */
export class CallMonitor extends Store<CallMonitorState> {
  private readonly window = new QualityWindow();
  private readonly speakers = new ActiveSpeaker();
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;

  constructor(private readonly call: MonitoredCall) {
    super({ quality: {}, speaker: null });
  }

  start(intervalMs = 1000): void {
    this.stop();
    this.timer = setInterval(() => void this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async sample(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const [received, sent] = await Promise.all([
        this.call.receiveConnection?.getStats().catch(() => null) ?? null,
        this.call.sendConnection?.getStats().catch(() => null) ?? null,
      ]);
      const at = performance.now();
      const quality: Record<string, Quality> = {};
      const levels = new Map<string, number>();
      const sampled = new Set<string>();
      if (received) this.readReceived(received, at, quality, levels, sampled);
      if (sent) this.readSent(sent, at, quality, sampled);
      // Streams that went away (a track replaced, a participant gone) start over if they return.
      this.window.retain(sampled);
      const speaker = this.speakers.observe(levels, at) as ParticipantId | null;
      if (
        speaker !== this.state.speaker ||
        JSON.stringify(quality) !== JSON.stringify(this.state.quality)
      ) {
        this.update({ quality, speaker });
      }
    } finally {
      this.busy = false;
    }
  }

  private readReceived(
    report: RTCStatsReport,
    at: number,
    quality: Record<string, Quality>,
    levels: Map<string, number>,
    sampled: Set<string>,
  ): void {
    // Which tile each received track belongs to, and whether it is the one to judge it by.
    const tiles = new Map<string, { key: string; judge: boolean; microphone: boolean }>();
    for (const p of this.call.participants) {
      const camera = trackId(p.videoStream);
      const mic = trackId(p.audioStream);
      const cameraShown = p.video && camera !== undefined;
      if (camera) tiles.set(camera, { key: p.id, judge: cameraShown, microphone: false });
      if (mic) tiles.set(mic, { key: p.id, judge: !cameraShown, microphone: true });
      const screen = trackId(p.screen?.videoStream);
      if (screen) tiles.set(screen, { key: screenKey(p.id), judge: true, microphone: false });
    }
    const rtt = roundTripMs(report);
    report.forEach((s: Stat) => {
      if (s.type !== "inbound-rtp" || typeof s.trackIdentifier !== "string") return;
      const tile = tiles.get(s.trackIdentifier);
      if (!tile) return;
      if (tile.microphone) levels.set(tile.key, num(s.audioLevel) ?? 0);
      if (!tile.judge) return;
      const streamKey = `${tile.key}:${s.trackIdentifier}`;
      sampled.add(streamKey);
      this.window.add(streamKey, inboundSample(s, at));
      const measures = this.window.measures(streamKey, rtt);
      if (measures) quality[tile.key] = rateQuality(measures);
    });
  }

  /** Our own tile: what the server's receiver reports say of our camera (else microphone). */
  private readSent(
    report: RTCStatsReport,
    at: number,
    quality: Record<string, Quality>,
    sampled: Set<string>,
  ): void {
    const outbound = new Map<string, Stat>();
    report.forEach((s: Stat) => {
      if (s.type === "outbound-rtp" && typeof s.id === "string") outbound.set(s.id, s);
    });
    let best: { sample: QualitySample; video: boolean } | null = null;
    report.forEach((s: Stat) => {
      if (s.type !== "remote-inbound-rtp" || typeof s.localId !== "string") return;
      const sent = num(outbound.get(s.localId)?.packetsSent);
      const lost = num(s.packetsLost) ?? 0;
      if (sent === null || sent === 0) return;
      const video = s.kind === "video";
      if (best?.video && !video) return;
      best = {
        video,
        sample: {
          at,
          packetsReceived: Math.max(0, sent - lost),
          packetsLost: lost,
          jitterMs: (num(s.jitter) ?? 0) * 1000,
          framesReceived: null,
          framesDropped: null,
        },
      };
    });
    if (best === null) return;
    const { sample } = best as { sample: QualitySample };
    sampled.add(SELF_TILE);
    this.window.add(SELF_TILE, sample);
    const measures = this.window.measures(SELF_TILE, roundTripMs(report));
    if (measures) quality[SELF_TILE] = rateQuality(measures);
  }
}
