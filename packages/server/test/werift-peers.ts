/**
 * werift peer connections that publish and subscribe through the real server, for the tests that
 * need real media negotiation without a bot's MLS: each test closes its peers with `closeAll`.
 */
import assert from "node:assert/strict";
import { MEDIA_CODECS, type SubscribedTrack } from "@conclave/protocol";
import {
  MediaStreamTrack,
  RTCPeerConnection,
  type RTCPeerConnectionConfig,
  RTCRtpCodecParameters,
} from "werift";
import type { SignallingClient } from "./signalling-client.ts";

const config: RTCPeerConnectionConfig = {
  iceServers: [],
  iceAdditionalHostAddresses: ["127.0.0.1"],
  iceUseIpv6: false,
  bundlePolicy: "max-bundle",
  codecs: {
    audio: [new RTCRtpCodecParameters({ ...MEDIA_CODECS.audio, rtcpFeedback: [] })],
    video: [
      new RTCRtpCodecParameters({
        ...MEDIA_CODECS.video,
        rtcpFeedback: MEDIA_CODECS.video.rtcpFeedback.map((fb) => ({ ...fb })),
      }),
    ],
  },
  headerExtensions: { audio: [], video: [] },
};
const open: RTCPeerConnection[] = [];

function peerConnection(): RTCPeerConnection {
  const pc = new RTCPeerConnection(config);
  open.push(pc);
  return pc;
}

/**
 * Publishes sendonly m-lines of these kinds, in order; resolves once the server answered. Our SDP
 * carries our candidates: nothing is trickled (like the bot). `trickling` leaves out the SDP's
 * end-of-candidates, as a browser's offer does: the server then takes candidates that come later.
 * `rewrite` changes the offer on its way, as a browser would have written it.
 */
export async function publish(
  client: SignallingClient,
  kinds: readonly ("audio" | "video")[],
  { trickling = false, rewrite = (sdp: string) => sdp } = {},
): Promise<RTCPeerConnection> {
  const pc = peerConnection();
  for (const kind of kinds) {
    pc.addTransceiver(new MediaStreamTrack({ kind }), { direction: "sendonly" });
  }
  await pc.setLocalDescription(await pc.createOffer());
  await until("ICE gathering", () => pc.iceGatheringState === "complete");
  const sdp = pc.localDescription?.sdp ?? "";
  const from = client.received.length;
  client.send({
    type: "publish",
    sdp: rewrite(trickling ? sdp.replace(/^a=end-of-candidates\r\n/gm, "") : sdp),
  });
  await pc.setRemoteDescription({
    type: "answer",
    sdp: (await client.next("publish-answer", { from })).sdp,
  });
  // Like the page and the bot: what is on, which the server forwards from then on.
  client.send({
    type: "media-state",
    audio: kinds.includes("audio"),
    video: kinds.includes("video"),
  });
  return pc;
}

/** What went wrong in a subscriber's answering loop; `closeAll` reports it. */
const subscriberFailures: unknown[] = [];

/** Answers every subscribe offer `client` gets; `latest` is the last offer's track list. */
export function subscriber(client: SignallingClient) {
  const pc = peerConnection();
  const state = { latest: [] as SubscribedTrack[], answered: 0 };
  let from = 0;
  (async () => {
    while (client.ws.readyState === client.ws.OPEN) {
      const offer = await client
        .next("subscribe-offer", { from, timeoutMs: 200 })
        .catch(() => null);
      if (!offer) continue;
      from = client.received.indexOf(offer) + 1;
      await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await until("ICE gathering", () => pc.iceGatheringState === "complete");
      state.latest = offer.tracks;
      state.answered++;
      client.send({ type: "subscribe-answer", sdp: pc.localDescription?.sdp });
    }
  })().catch((error: unknown) => subscriberFailures.push(error));
  return state;
}

/** Closes the test's connections once they are up: werift keeps retrying a DTLS handshake that a
 * close interrupted, which holds the test process open for half a minute. */
export async function closeAll(): Promise<void> {
  await until("connections up", () => open.every((pc) => pc.connectionState === "connected"));
  await Promise.all(open.splice(0).map((pc) => pc.close()));
  assert.deepEqual(subscriberFailures.splice(0), [], "a subscriber failed to answer an offer");
}

export async function until(what: string, condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
