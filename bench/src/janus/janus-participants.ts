import type { Clip } from "@conclave/bot";
import { MediaStreamTrack, RTCPeerConnection } from "werift";
import { completeSdp } from "../../../packages/bot/src/ice-gathering.ts";
import { botPeerConfig } from "../../../packages/bot/src/peer-config.ts";
import { ClipPublisher } from "../../../packages/bot/src/publisher.ts";
import type { JanusSession } from "./janus-client.ts";

const GATHER_TIMEOUT_MS = 10_000;

/**
 * A VideoRoom for the bench: room for every publisher, no bitrate cap and no periodic keyframe
 * requests, the codecs the bots send (MEDIA_CODECS).
 */
export async function createRoom(session: JanusSession, room: number): Promise<void> {
  const handle = await session.attach();
  await session.request(handle, {
    request: "create",
    room,
    publishers: 1000,
    bitrate: 0,
    fir_freq: 0,
    audiocodec: "opus",
    videocodec: "vp8",
    notify_joining: false,
  });
}

/** A publisher of the clip, with the same peer connection and packets as a bot's. */
export interface JanusPublisher {
  /** Its feed id in the room, for subscribers. */
  readonly feed: number;
  readonly publisher: ClipPublisher;
  readonly pc: RTCPeerConnection;
}

/** Publishes the clip to the room, without end-to-end encryption (Janus forwards it the same). */
export async function publishToJanus(
  session: JanusSession,
  room: number,
  name: string,
  clip: Clip,
): Promise<JanusPublisher> {
  const pc = new RTCPeerConnection(botPeerConfig([], false));
  const audio = new MediaStreamTrack({ kind: "audio" });
  const video = new MediaStreamTrack({ kind: "video" });
  pc.addTransceiver(audio, { direction: "sendonly" });
  const videoTransceiver = pc.addTransceiver(video, { direction: "sendonly" });
  const publisher = new ClipPublisher(clip, audio, video);
  videoTransceiver.sender.onPictureLossIndication.subscribe(() => publisher.requestKeyframe());
  pc.connectionStateChange.subscribe((state) => {
    if (state === "connected") publisher.start();
  });
  await pc.setLocalDescription(await pc.createOffer());
  const offer = await completeSdp(pc, GATHER_TIMEOUT_MS);
  const handle = await session.attach();
  const { data, jsep } = await session.request(
    handle,
    { request: "joinandconfigure", room, ptype: "publisher", display: name },
    { type: "offer", sdp: offer },
  );
  if (typeof data.id !== "number" || jsep?.type !== "answer") {
    throw new Error(`janus did not accept ${name}'s offer`);
  }
  const connected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not connect to janus`)), 20_000);
    pc.connectionStateChange.subscribe((state) => {
      if (state === "connected") {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await pc.setRemoteDescription(jsep);
  // Janus offers a feed to subscribers only once its publisher's media is up.
  await connected;
  return { feed: data.id, publisher, pc };
}

/** Subscribes one receiving connection to `feeds` (Janus 1.x multistream subscription). */
export async function subscribeToJanus(
  session: JanusSession,
  room: number,
  feeds: readonly number[],
): Promise<RTCPeerConnection> {
  const handle = await session.attach();
  const join = {
    request: "join",
    room,
    ptype: "subscriber",
    streams: feeds.map((feed) => ({ feed })),
  };
  // Janus offers a feed once its own side of the publisher's connection is up, which can come a
  // little after the publisher saw "connected": error 428 (no such feed) is asked again.
  let reply: Awaited<ReturnType<JanusSession["request"]>> | null = null;
  for (let attempt = 1; reply === null; attempt++) {
    try {
      reply = await session.request(handle, join);
    } catch (error) {
      if (attempt === 20 || !(error as Error).message.includes("No such feed")) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const { jsep } = reply;
  if (jsep?.type !== "offer") throw new Error("janus sent no subscribe offer");
  const pc = new RTCPeerConnection(botPeerConfig([], false));
  await pc.setRemoteDescription(jsep);
  await pc.setLocalDescription(await pc.createAnswer());
  const answer = await completeSdp(pc, GATHER_TIMEOUT_MS);
  await session.request(handle, { request: "start" }, { type: "answer", sdp: answer });
  return pc;
}
