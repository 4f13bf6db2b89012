/**
 * Screen share through the real server: the `screen-share` message starts and stops forwarding a
 * publisher's screen m-lines, and bad input gets an error code and changes nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MEDIA_CODECS, type SubscribedTrack } from "@conclave/protocol";
import {
  MediaStreamTrack,
  RTCPeerConnection,
  type RTCPeerConnectionConfig,
  RTCRtpCodecParameters,
} from "werift";
import { newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { holdsFor, settled } from "./wait-for.ts";

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

/** Our SDP carries our candidates: the test trickles none (like the bot). */
/** Publishes sendonly m-lines of these kinds, in order; resolves once the server answered. */
async function publish(client: SignallingClient, kinds: readonly ("audio" | "video")[]) {
  const pc = peerConnection();
  for (const kind of kinds) {
    pc.addTransceiver(new MediaStreamTrack({ kind }), { direction: "sendonly" });
  }
  await pc.setLocalDescription(await pc.createOffer());
  await until("ICE gathering", () => pc.iceGatheringState === "complete");
  const from = client.received.length;
  client.send({ type: "publish", sdp: pc.localDescription?.sdp });
  await pc.setRemoteDescription({
    type: "answer",
    sdp: (await client.next("publish-answer", { from })).sdp,
  });
}

/** What went wrong in a subscriber's answering loop, reported after the tests. */
const subscriberFailures: unknown[] = [];

/** Answers every subscribe offer `client` gets; `latest` is the last offer's track list. */
function subscriber(client: SignallingClient) {
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
async function closeAll(): Promise<void> {
  await until("connections up", () => open.every((pc) => pc.connectionState === "connected"));
  await Promise.all(open.splice(0).map((pc) => pc.close()));
}

async function until(what: string, condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sourcesOf = (tracks: readonly SubscribedTrack[], id: string) =>
  tracks
    .filter((t) => t.participantId === id)
    .map((t) => `${t.source}/${t.kind}`)
    .sort()
    .join(" ");

describe("screen share through the server", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await closeAll();
    await server.stop();
    assert.deepEqual(subscriberFailures, [], "a subscriber failed to answer an offer");
  });

  it("forwards a publisher's screen and screen audio while it shares them, and only then", async () => {
    const room = await newRoom();
    const alice = await SignallingClient.joined(server.url, room);
    const aliceId = (await alice.next("welcome")).selfId;
    const bob = await SignallingClient.joined(server.url, room);
    const bobView = subscriber(bob);

    // Before publishing there is nothing to share; bad input changes nothing either.
    const cases: Array<[unknown, string]> = [
      [{ type: "screen-share", video: true, audio: false }, "NEGOTIATION_FAILED"],
      [{ type: "screen-share", video: false, audio: true }, "BAD_MESSAGE"],
      [{ type: "screen-share", video: 1, audio: false }, "BAD_MESSAGE"],
      [{ type: "keyframe-request", participantId: aliceId, source: "screenAudio" }, "BAD_MESSAGE"],
    ];
    for (const [message, code] of cases) {
      const from = alice.received.length;
      alice.send(message);
      assert.equal((await alice.next("error", { from })).code, code, JSON.stringify(message));
    }

    await publish(alice, ["audio", "video", "video", "audio"]);
    await until(
      "Bob to get Alice's microphone and camera",
      () => sourcesOf(bobView.latest, aliceId) === "camera/video microphone/audio",
    );
    const quiet = await settled("Bob's renegotiation", () => bobView.answered);
    for (const [message, code] of cases.slice(1)) {
      const from = alice.received.length;
      alice.send(message);
      assert.equal((await alice.next("error", { from })).code, code, JSON.stringify(message));
    }
    await holdsFor("no renegotiation", () => bobView.answered === quiet, 300);
    assert.equal(bobView.answered, quiet, "refused messages caused no renegotiation");

    alice.send({ type: "screen-share", video: true, audio: true });
    await until(
      "Bob to get Alice's screen and its audio",
      () =>
        sourcesOf(bobView.latest, aliceId) ===
        "camera/video microphone/audio screen/video screenAudio/audio",
    );
    // A late joiner gets the share that is on.
    const carol = await SignallingClient.joined(server.url, room);
    const carolView = subscriber(carol);
    await until("Carol to get Alice's screen", () =>
      sourcesOf(carolView.latest, aliceId).includes("screen/video"),
    );
    alice.send({ type: "keyframe-request", participantId: aliceId, source: "screen" });

    alice.send({ type: "screen-share", video: false, audio: false });
    await until("the screen to leave Bob's and Carol's offers", () =>
      [bobView, carolView].every(
        (v) => sourcesOf(v.latest, aliceId) === "camera/video microphone/audio",
      ),
    );
    assert.equal(alice.received.filter((m) => m.type === "error").length, cases.length * 2 - 1);
    await closeAll();
    for (const client of [alice, bob, carol]) client.close();
  });

  it("refuses screen-share from a publisher whose offer has no screen m-lines", async () => {
    const room = await newRoom();
    const dan = await SignallingClient.joined(server.url, room);
    await publish(dan, ["audio", "video"]);
    const from = dan.received.length;
    dan.send({ type: "screen-share", video: true, audio: false });
    assert.equal((await dan.next("error", { from })).code, "NEGOTIATION_FAILED");
    await closeAll();
    dan.close();
  });
});
