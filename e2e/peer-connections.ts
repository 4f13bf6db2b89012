/**
 * A page's own RTCPeerConnections, for tests and benchmarks that read what its connections
 * received: `recordPeerConnections` keeps them in `globalThis.__pcs` (page code as strings: the
 * test's compiled functions cannot be passed to the page).
 */
import type { BrowserContext, Page } from "playwright-core";

/** Makes every page of `context` keep its RTCPeerConnections where the test can read them. */
export async function recordPeerConnections(context: BrowserContext): Promise<void> {
  await context.addInitScript({
    content: `{
      const Native = globalThis.RTCPeerConnection;
      const all = [];
      globalThis.__pcs = all;
      globalThis.RTCPeerConnection = class extends Native {
        constructor(...args) { super(...args); all.push(this); }
      };
    }`,
  });
}

/** Bytes received so far per inbound video stream (by stats id) of the page's open connections. */
export async function inboundVideoBytes(page: Page): Promise<Map<string, number>> {
  const entries = await page.evaluate<[string, number][]>(`(async () => {
    const out = [];
    for (const pc of globalThis.__pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type === "inbound-rtp" && s.kind === "video") out.push([s.id, s.bytesReceived ?? 0]);
      });
    }
    return out;
  })()`);
  return new Map(entries);
}

/**
 * Which simulcast layers the page's camera encodes now, by rid (its sending connection's
 * encodings, `active`); empty when its camera sends one layer.
 */
export function encodedLayers(page: Page): Promise<Record<string, boolean>> {
  return page.evaluate<Record<string, boolean>>(`(() => {
    const out = {};
    for (const pc of globalThis.__pcs) {
      if (pc.connectionState === "closed") continue;
      for (const sender of pc.getSenders()) {
        const encodings = sender.getParameters().encodings ?? [];
        if (encodings.length < 2) continue;
        for (const e of encodings) out[e.rid] = e.active !== false;
      }
    }
    return out;
  })()`);
}

/**
 * What the page's camera sends now, per simulcast rid: frame size, frames per second, and what
 * its encoder says limits it (`qualityLimitationReason`), for a failure to say.
 */
export function sentLayers(page: Page): Promise<string> {
  return page.evaluate<string>(`(async () => {
    const out = [];
    for (const pc of globalThis.__pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type !== "outbound-rtp" || s.kind !== "video" || !s.rid) return;
        out.push(s.rid + " " + (s.frameWidth ?? 0) + "x" + (s.frameHeight ?? 0) + " at " +
          (s.framesPerSecond ?? 0) + " fps, limited by " + s.qualityLimitationReason);
      });
    }
    return out.join("; ");
  })()`);
}

/** What one inbound video stream of a page's connections counted so far (RTCInboundRtpStreamStats). */
export interface InboundVideo {
  readonly packetsReceived: number;
  readonly packetsLost: number;
  readonly nackCount: number;
  /** Packets that came as retransmissions on the stream's RTX SSRC (RFC 4588). */
  readonly retransmittedPacketsReceived: number;
}

/** Every inbound video stream of the page's open connections that received anything. */
export function inboundVideos(page: Page): Promise<InboundVideo[]> {
  return page.evaluate<InboundVideo[]>(`(async () => {
    const out = [];
    for (const pc of globalThis.__pcs) {
      if (pc.connectionState === "closed") continue;
      (await pc.getStats()).forEach((s) => {
        if (s.type !== "inbound-rtp" || s.kind !== "video" || !s.packetsReceived) return;
        out.push({
          packetsReceived: s.packetsReceived,
          packetsLost: s.packetsLost ?? 0,
          nackCount: s.nackCount ?? 0,
          retransmittedPacketsReceived: s.retransmittedPacketsReceived ?? 0,
        });
      });
    }
    return out;
  })()`);
}
