/**
 * The anchor: two Chromium pages calling each other directly (one RTCPeerConnection each way,
 * VP8 and Opus, the browser's own congestion control and repair), over the same impaired network
 * as the Conclave call of the same condition. Pages come from a plain HTTP server on this side of
 * the namespace pair; the browsers treat that origin as secure (launch flag) for getUserMedia.
 */
import { createServer, type Server } from "node:http";
import type { Browser, Page } from "playwright-core";
import { recordPeerConnections } from "../../../e2e/peer-connections.ts";

export async function pageServer(host: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.setHeader("content-type", "text/html");
    res.end("<!doctype html><title>direct call</title><video autoplay muted playsinline></video>");
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no address");
  return { server, origin: `http://${host}:${address.port}` };
}

async function open(browser: Browser, origin: string): Promise<Page> {
  const context = await browser.newContext();
  await recordPeerConnections(context);
  const page = await context.newPage();
  await page.goto(origin);
  return page;
}

/** Sender → receiver, camera and microphone; resolves once the receiver decodes video. */
export async function directCall(
  sender: Browser,
  receiver: Browser,
  origin: string,
): Promise<{ sender: Page; receiver: Page }> {
  const [from, to] = [await open(sender, origin), await open(receiver, origin)];
  // Page code as strings: this package is compiled without the DOM's types. Both ask for devices:
  // with the permission, Chromium gives its host candidates instead of mDNS names, which the other
  // namespace could not resolve.
  const gathered = `new Promise((r) => {
    if (pc.iceGatheringState === "complete") r();
    else pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && r());
  })`;
  const offer = await from.evaluate<string>(`(async () => {
    const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    const pc = new RTCPeerConnection();
    for (const track of media.getTracks()) pc.addTrack(track, media);
    await pc.setLocalDescription(await pc.createOffer());
    await ${gathered};
    return pc.localDescription.sdp;
  })()`);
  const answer = await to.evaluate<string>(`(async () => {
    await navigator.mediaDevices.getUserMedia({ audio: true });
    const pc = new RTCPeerConnection();
    pc.addEventListener("track", ({ streams }) => {
      const video = document.querySelector("video");
      if (video && streams[0]) video.srcObject = streams[0];
    });
    await pc.setRemoteDescription({ type: "offer", sdp: ${JSON.stringify(offer)} });
    await pc.setLocalDescription(await pc.createAnswer());
    await ${gathered};
    return pc.localDescription.sdp;
  })()`);
  await from.evaluate(
    `globalThis.__pcs[0].setRemoteDescription({ type: "answer", sdp: ${JSON.stringify(answer)} })`,
  );
  await to.waitForFunction(`(document.querySelector("video")?.videoWidth ?? 0) > 0`, undefined, {
    timeout: 30_000,
  });
  return { sender: from, receiver: to };
}
