/**
 * What a publishing page sent, from its peer connections' outbound-rtp and candidate-pair stats
 * (the page keeps them in `globalThis.__pcs`, see e2e/peer-connections.ts), over a window: per
 * simulcast layer its frame rate, size and kbit/s; why the encoder held back (Chromium's
 * `qualityLimitationDurations`: bandwidth or CPU) as seconds per minute; and the browser's own
 * estimate of its uplink (`availableOutgoingBitrate`), sampled at the end.
 */
import type { Page } from "playwright-core";

export interface LayerFigures {
  readonly rid: string;
  readonly fps: number;
  readonly width: number;
  readonly kbps: number;
}

export interface SendFigures {
  readonly layers: readonly LayerFigures[];
  /** Seconds per minute the encoder was held back, by reason ("bandwidth", "cpu", "other"). */
  readonly limitedSecondsPerMinute: Readonly<Record<string, number>>;
  /** The browser's estimate of what its uplink takes, kbit/s, at the end of the window. */
  readonly availableKbps: number;
}

interface Layer {
  readonly rid: string;
  readonly frames: number;
  readonly bytes: number;
  readonly width: number;
  readonly limited: Record<string, number>;
}

interface Snapshot {
  readonly layers: Layer[];
  readonly available: number;
  readonly at: number;
}

function snapshot(page: Page): Promise<Snapshot> {
  return page.evaluate<Snapshot>(`(async () => {
    const layers = [];
    let available = 0;
    for (const pc of globalThis.__pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === "candidate-pair" && s.nominated && s.availableOutgoingBitrate) {
          available = Math.max(available, s.availableOutgoingBitrate);
        }
        if (s.type !== "outbound-rtp" || s.kind !== "video") return;
        layers.push({
          rid: s.rid ?? "",
          frames: s.framesEncoded ?? 0,
          bytes: s.bytesSent ?? 0,
          width: s.frameWidth ?? 0,
          limited: s.qualityLimitationDurations ?? {},
        });
      });
    }
    return { layers, available, at: performance.now() };
  })()`);
}

/** Figures over `seconds` from now. */
export async function measureSending(page: Page, seconds: number): Promise<SendFigures> {
  const first = await snapshot(page);
  await page.waitForTimeout(seconds * 1000);
  const last = await snapshot(page);
  const elapsed = (last.at - first.at) / 1000;
  const round = (n: number) => Math.round(n * 10) / 10;
  const limited: Record<string, number> = {};
  const layers = last.layers.map((layer) => {
    const before = first.layers.find((l) => l.rid === layer.rid);
    for (const [reason, total] of Object.entries(layer.limited)) {
      if (reason === "none") continue;
      const spent = total - (before?.limited[reason] ?? 0);
      limited[reason] = Math.max(limited[reason] ?? 0, round((spent / elapsed) * 60));
    }
    return {
      rid: layer.rid,
      fps: round((layer.frames - (before?.frames ?? 0)) / elapsed),
      width: layer.width,
      kbps: Math.round(((layer.bytes - (before?.bytes ?? 0)) * 8) / elapsed / 1000),
    };
  });
  return {
    layers,
    limitedSecondsPerMinute: limited,
    availableKbps: Math.round(last.available / 1000),
  };
}
