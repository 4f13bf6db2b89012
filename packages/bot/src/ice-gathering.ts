import type { RTCPeerConnection } from "werift";
import { BotError } from "./errors.ts";

/**
 * The bot's SDP carries its ICE candidates: it waits for gathering instead of trickling, which is
 * simpler, and on a server that answers from its own full SDP nothing is lost by waiting (host
 * candidates only). Both of the bot's connections (bot-media.ts) send their SDP this way.
 */

/** Waits for ICE gathering, then returns the local description with every candidate in it. */
export async function completeSdp(pc: RTCPeerConnection, timeoutMs: number): Promise<string> {
  await gatheringComplete(pc, timeoutMs);
  const sdp = pc.localDescription?.sdp;
  if (!sdp) throw new BotError("NEGOTIATION_FAILED", "no local description");
  return sdp;
}

/**
 * Waits for ICE gathering to finish. Not werift's `watch()`: its timer outlives a connection
 * closed meanwhile and kept test processes alive; this one settles on close too.
 */
function gatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  if (pc.signalingState === "closed") {
    return Promise.reject(new BotError("CONNECTION_FAILED", "connection closed"));
  }
  return new Promise((resolve, reject) => {
    const settle = (error?: BotError) => {
      clearTimeout(timer);
      gathering.unSubscribe();
      closing.unSubscribe();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(
      () => settle(new BotError("NEGOTIATION_FAILED", "ICE gathering did not complete")),
      timeoutMs,
    );
    const closed = () => settle(new BotError("CONNECTION_FAILED", "connection closed"));
    // werift's close() moves signalling to "closed", then completes every event.
    const gathering = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === "complete") settle();
    }, closed);
    const closing = pc.signalingStateChange.subscribe((state) => {
      if (state === "closed") closed();
    });
  });
}
