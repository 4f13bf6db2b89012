/**
 * What a receiving page got of one video, from its peer connections' inbound-rtp stats (the page
 * keeps them in `globalThis.__pcs`, see e2e/peer-connections.ts): delivered frames per second,
 * seconds frozen (Chromium's `totalFreezesDuration`), the last decoded size, video kbit/s, the
 * packets lost before repair and the keyframes the page asked for, over a window.
 */
import type { Page } from "playwright-core";

export interface ReceiveFigures {
  readonly fps: number;
  /** Seconds of freezes per minute of the window. */
  readonly freezeSecondsPerMinute: number;
  readonly width: number;
  readonly height: number;
  readonly kbps: number;
  /**
   * Packets lost per thousand received: Chromium's `packetsLost` of the media stream. With resends
   * on RTX (the direct call's, and Conclave's since docs/media-adaptation.md "Resends on RTX to
   * receivers"), a packet that came back on the RTX stream still counts as lost there: this is
   * loss before repair. Chromium's count of what came on RTX includes the direct call's padding
   * probes, so loss after repair is not read from it.
   */
  readonly lostPerMille: number;
  /** Keyframes the page asked for (PLI and FIR), per minute. */
  readonly keyframeRequestsPerMinute: number;
}

interface Snapshot {
  readonly frames: number;
  readonly freezes: number;
  readonly bytes: number;
  readonly packets: number;
  readonly lost: number;
  readonly keyframeRequests: number;
  readonly width: number;
  readonly height: number;
  readonly at: number;
}

/**
 * The inbound video that `video` (a CSS selector) plays: the inbound-rtp whose track is the
 * element's. Picking the most decoded frames instead measured, beside the impaired publisher's
 * video, another person's that went round the impairment. Page code as a string: no DOM types here.
 */
function snapshot(page: Page, video: string): Promise<Snapshot> {
  return page.evaluate<Snapshot>(`(async () => {
    const track = document.querySelector(${JSON.stringify(video)})?.srcObject?.getVideoTracks()[0];
    let found = { frames: 0, freezes: 0, bytes: 0, packets: 0, lost: 0, keyframeRequests: 0, width: 0, height: 0 };
    for (const pc of globalThis.__pcs) {
      if (pc.connectionState === "closed" || !track) continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type !== "inbound-rtp" || s.kind !== "video" || s.trackIdentifier !== track.id) return;
        found = {
          frames: s.framesDecoded ?? 0,
          freezes: s.totalFreezesDuration ?? 0,
          bytes: s.bytesReceived ?? 0,
          packets: s.packetsReceived ?? 0,
          lost: s.packetsLost ?? 0,
          keyframeRequests: (s.pliCount ?? 0) + (s.firCount ?? 0),
          width: s.frameWidth ?? 0,
          height: s.frameHeight ?? 0,
        };
      });
    }
    return { ...found, at: performance.now() };
  })()`);
}

/** The video element of a Conclave page's tile of `name`. */
export function tileVideo(name: string): string {
  return `figure[aria-label=${JSON.stringify(name)}] video`;
}

/** Figures of the video `video` (a CSS selector) plays, over `seconds` from now. */
export async function measure(page: Page, video: string, seconds: number): Promise<ReceiveFigures> {
  const first = await snapshot(page, video);
  await page.waitForTimeout(seconds * 1000);
  const last = await snapshot(page, video);
  const elapsed = (last.at - first.at) / 1000;
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    fps: round((last.frames - first.frames) / elapsed),
    freezeSecondsPerMinute: round(((last.freezes - first.freezes) / elapsed) * 60),
    width: last.width,
    height: last.height,
    kbps: Math.round(((last.bytes - first.bytes) * 8) / elapsed / 1000),
    lostPerMille: round(
      ((last.lost - first.lost) / Math.max(1, last.packets - first.packets)) * 1000,
    ),
    keyframeRequestsPerMinute: round(
      ((last.keyframeRequests - first.keyframeRequests) / elapsed) * 60,
    ),
  };
}
