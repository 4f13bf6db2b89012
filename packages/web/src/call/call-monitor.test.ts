/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import { CallMonitor, type MonitoredCall, SELF_TILE, screenKey } from "./call-monitor.ts";
import type { RemoteParticipant } from "./remote-participants.ts";

const stream = (id: string) => ({ getTracks: () => [{ id }] }) as unknown as MediaStream;

function person(id: string, patch: Partial<RemoteParticipant> = {}): RemoteParticipant {
  return {
    id,
    name: id,
    leaf: 1,
    leafFromMedia: true,
    audio: true,
    video: true,
    videoStream: stream(`${id}-camera`),
    audioStream: stream(`${id}-mic`),
    screen: null,
    reconnecting: false,
    videoPaused: false,
    ...patch,
  } as RemoteParticipant;
}

/** A peer connection whose getStats() reports what `stats` returns at that moment. */
function connection(stats: () => Record<string, unknown>[]): RTCPeerConnection {
  return {
    getStats: async () => new Map(stats().map((s, i) => [String(i), s])),
  } as unknown as RTCPeerConnection;
}

test("quality per tile from received stats, ours from the receiver reports, the loudest speaks", async () => {
  let tick = 0;
  const pair = {
    type: "candidate-pair",
    nominated: true,
    state: "succeeded",
    currentRoundTripTime: 0.02,
  };
  const received = () => {
    tick++;
    return [
      pair,
      // Ann: a clean camera; her microphone is quiet.
      {
        type: "inbound-rtp",
        trackIdentifier: "ann-camera",
        packetsReceived: 100 * tick,
        packetsLost: 0,
        jitter: 0.005,
        framesReceived: 20 * tick,
        framesDropped: 0,
      },
      {
        type: "inbound-rtp",
        trackIdentifier: "ann-mic",
        packetsReceived: 50 * tick,
        audioLevel: 0.01,
      },
      // Ben: camera off, so his tile is judged by his microphone, which loses 20 % and talks.
      {
        type: "inbound-rtp",
        trackIdentifier: "ben-mic",
        packetsReceived: 40 * tick,
        packetsLost: 10 * tick,
        jitter: 0.01,
        audioLevel: 0.3,
      },
      // Ann's screen share: a fifth of its frames dropped.
      {
        type: "inbound-rtp",
        trackIdentifier: "ann-screen",
        packetsReceived: 60 * tick,
        packetsLost: 0,
        jitter: 0.005,
        framesReceived: 10 * tick,
        framesDropped: 2 * tick,
      },
      // A track nobody shows counts for nobody.
      { type: "inbound-rtp", trackIdentifier: "stranger", packetsReceived: 1, audioLevel: 0.9 },
    ];
  };
  const sent = () => [
    pair,
    { type: "outbound-rtp", id: "out-v", packetsSent: 100 * tick },
    { type: "remote-inbound-rtp", kind: "video", localId: "out-v", packetsLost: 0, jitter: 0.002 },
  ];
  const call: MonitoredCall = {
    receiveConnection: connection(received),
    sendConnection: connection(sent),
    participants: [
      person("ann", {
        screen: {
          name: "ann",
          leaf: 1,
          leafFromMedia: true,
          videoStream: stream("ann-screen"),
          audioStream: null,
          paused: false,
        },
      }),
      person("ben", { video: false, videoStream: null }),
    ],
  };
  const monitor = new CallMonitor(call);
  monitor.start(400);
  try {
    const deadline = Date.now() + 5000;
    while (Object.keys(monitor.state.quality).length < 4) {
      assert.ok(Date.now() < deadline, `quality: ${JSON.stringify(monitor.state.quality)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    monitor.stop();
  }
  assert.deepEqual(monitor.state.quality, {
    ann: "good",
    ben: "poor",
    [screenKey("ann")]: "fair",
    [SELF_TILE]: "good",
  });
  assert.equal(monitor.state.speaker, "ben");
});
