import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ParticipantId, SubscribedTrack } from "@conclave/protocol";
import { KEYFRAME_WAIT_MS, ReceiveLedger } from "./receive-ledger.ts";
import type { RtpPacketView } from "./vp8-depacketizer.ts";
import { packetizeVp8 } from "./vp8-packetizer.ts";

const alice = "aaaaaaaaaaaaaaaa" as ParticipantId;
const video: SubscribedTrack = { mid: "1", participantId: alice, kind: "video", source: "camera" };
const audio: SubscribedTrack = {
  mid: "0",
  participantId: alice,
  kind: "audio",
  source: "microphone",
};

/** RTP for `count` single-packet VP8 frames; `keyframeAt` lists the frames that are keyframes. */
function videoPackets(
  count: number,
  keyframeAt: readonly number[],
  firstSeq = 10,
): RtpPacketView[] {
  return Array.from({ length: count }, (_, i) => {
    const frame = new Uint8Array(20).fill(i);
    frame[0] = keyframeAt.includes(i) ? 0x10 : 0x11;
    const [p] = packetizeVp8(frame, i);
    if (!p) throw new Error("no packet");
    return {
      sequenceNumber: firstSeq + i,
      timestamp: i * 4500,
      marker: p.marker,
      payload: p.payload,
    };
  });
}

function setup() {
  const requests: ParticipantId[] = [];
  return { ledger: new ReceiveLedger((id) => requests.push(id)), requests };
}

describe("receive ledger", () => {
  it("counts audio packets as frames and video as rebuilt frames and keyframes", () => {
    const { ledger } = setup();
    for (let i = 0; i < 5; i++) {
      ledger.record(
        audio,
        { sequenceNumber: i, timestamp: i * 960, marker: false, payload: new Uint8Array(80) },
        0,
      );
    }
    for (const p of videoPackets(6, [0, 3])) ledger.record(video, p, 0);
    const stats = ledger.stats()[alice];
    assert.ok(stats);
    assert.deepEqual(stats.audio, { packets: 5, bytes: 400, lost: 0, frames: 5 });
    assert.equal(stats.video.frames, 6);
    assert.equal(stats.video.keyframes, 2);
    assert.equal(stats.video.lost, 0);
  });

  it("asks for a keyframe when video has none 2 s after its first packet, then every 2 s", () => {
    const { ledger, requests } = setup();
    for (const p of videoPackets(3, [])) ledger.record(video, p, 1000);
    ledger.checkKeyframes(1000 + KEYFRAME_WAIT_MS - 1);
    assert.deepEqual(requests, []);
    ledger.checkKeyframes(1000 + KEYFRAME_WAIT_MS);
    assert.deepEqual(requests, [alice]);
    ledger.checkKeyframes(1000 + KEYFRAME_WAIT_MS + 500);
    assert.equal(requests.length, 1);
    ledger.checkKeyframes(1000 + 2 * KEYFRAME_WAIT_MS);
    assert.equal(requests.length, 2);
    assert.equal(ledger.stats()[alice]?.video.keyframeRequests, 2);
  });

  it("does not ask when a keyframe came", () => {
    const { ledger, requests } = setup();
    for (const p of videoPackets(3, [1])) ledger.record(video, p, 0);
    ledger.checkKeyframes(10 * KEYFRAME_WAIT_MS);
    assert.deepEqual(requests, []);
  });

  it("asks after a lost frame and counts later delta frames as undecodable until a keyframe", () => {
    const { ledger, requests } = setup();
    const packets = videoPackets(8, [0, 6]);
    // Frame 2 lost whole; the reorder stage gives up on it when its wait runs out.
    packets.forEach((p, i) => {
      if (i !== 2) ledger.record(video, p, i * 100);
    });
    const stats = ledger.stats()[alice];
    assert.ok(stats);
    assert.equal(stats.video.lost, 1);
    assert.equal(stats.video.frames, 7);
    assert.equal(stats.video.framesUndecodable, 3); // frames 3, 4 and 5; 6 is a keyframe
    assert.deepEqual(requests, [alice]);
  });

  it("asks at most once a second while losses go on", () => {
    const { ledger, requests } = setup();
    const packets = videoPackets(40, [0]);
    packets.forEach((p, i) => {
      if (i % 4 !== 2) ledger.record(video, p, i * 200);
    });
    // Losses at frames 2, 6, 10, ... every 800 ms of this clock: requests are 1 s apart or more.
    assert.ok(requests.length >= 5 && requests.length <= 8, `${requests.length} requests`);
  });
});
