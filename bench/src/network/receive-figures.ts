/**
 * What a receiving page got, from its peer connections' inbound-rtp stats (the page keeps them in
 * `globalThis.__pcs`, see e2e/peer-connections.ts): delivered frames per second, seconds frozen
 * (Chromium's `totalFreezesDuration`), the last decoded size, and video kbit/s, over a window.
 */
import type { Page } from "playwright-core";

export interface ReceiveFigures {
  readonly fps: number;
  /** Seconds of freezes per minute of the window. */
  readonly freezeSecondsPerMinute: number;
  readonly width: number;
  readonly height: number;
  readonly kbps: number;
}

interface Snapshot {
  readonly frames: number;
  readonly freezes: number;
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  readonly at: number;
}

/** The inbound video with the most frames decoded (page code as a string: no DOM types here). */
function snapshot(page: Page): Promise<Snapshot> {
  return page.evaluate<Snapshot>(`(async () => {
    let best = { frames: 0, freezes: 0, bytes: 0, width: 0, height: 0 };
    for (const pc of globalThis.__pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type !== "inbound-rtp" || s.kind !== "video") return;
        const frames = s.framesDecoded ?? 0;
        if (frames < best.frames) return;
        best = {
          frames,
          freezes: s.totalFreezesDuration ?? 0,
          bytes: s.bytesReceived ?? 0,
          width: s.frameWidth ?? 0,
          height: s.frameHeight ?? 0,
        };
      });
    }
    return { ...best, at: performance.now() };
  })()`);
}

/** Figures over `seconds` from now. */
export async function measure(page: Page, seconds: number): Promise<ReceiveFigures> {
  const first = await snapshot(page);
  await page.waitForTimeout(seconds * 1000);
  const last = await snapshot(page);
  const elapsed = (last.at - first.at) / 1000;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    fps: round((last.frames - first.frames) / elapsed),
    freezeSecondsPerMinute: round(((last.freezes - first.freezes) / elapsed) * 60),
    width: last.width,
    height: last.height,
    kbps: Math.round(((last.bytes - first.bytes) * 8) / elapsed / 1000),
  };
}
