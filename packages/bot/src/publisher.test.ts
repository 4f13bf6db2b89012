import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MediaStreamTrack, type RtpPacket } from "werift";
import { loadShippedClip } from "./clip.ts";
import { ClipPublisher, nextKeyframe } from "./publisher.ts";
import { parseVp8Descriptor, Vp8Depacketizer } from "./vp8-depacketizer.ts";

/** Polls `condition` until it holds, failing after `deadlineMs`. */
async function waitFor(condition: () => boolean, deadlineMs = 5000): Promise<void> {
  const end = performance.now() + deadlineMs;
  while (!condition()) {
    if (performance.now() > end) throw new Error("condition not met before the deadline");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function capture(kind: "audio" | "video"): { track: MediaStreamTrack; packets: RtpPacket[] } {
  const track = new MediaStreamTrack({ kind });
  const packets: RtpPacket[] = [];
  track.onReceiveRtp.subscribe((p) => packets.push(p));
  return { track, packets };
}

describe("clip publisher", () => {
  it("finds the next keyframe, wrapping to the first", () => {
    const frames = [true, false, false, true, false].map((keyframe) => ({ keyframe }));
    assert.equal(nextKeyframe(frames, 0), 0);
    assert.equal(nextKeyframe(frames, 1), 3);
    assert.equal(nextKeyframe(frames, 4), 0);
  });

  it("paces 20 ms audio (+960) and 20 fps video (+4500) with whole VP8 frames", async () => {
    const clip = await loadShippedClip();
    const audio = capture("audio");
    const video = capture("video");
    const publisher = new ClipPublisher(clip, audio.track, video.track);
    const started = performance.now();
    publisher.start();
    await waitFor(() => publisher.counters.videoFrames >= 10);
    publisher.stop();
    const elapsed = performance.now() - started;
    // Frame n is due at n/20 s: 10 frames take at least 450 ms of real time.
    assert.ok(elapsed >= 440, `10 frames in ${elapsed} ms is faster than real time`);
    const audioSteps = new Set(
      audio.packets
        .slice(1)
        .map((p, i) => (p.header.timestamp - (audio.packets[i]?.header.timestamp ?? 0)) >>> 0),
    );
    assert.deepEqual([...audioSteps], [960]);
    const depacketizer = new Vp8Depacketizer();
    const frames = video.packets.flatMap((p) =>
      depacketizer.push({ ...p.header, payload: p.payload }, 0),
    );
    assert.equal(frames.length, publisher.counters.videoFrames);
    assert.deepEqual(
      frames.map((f) => [...f.data.subarray(0, 16)]),
      clip.video.frames.slice(0, frames.length).map((f) => [...f.data.subarray(0, 16)]),
    );
    const videoSteps = new Set(
      frames.slice(1).map((f, i) => (f.timestamp - (frames[i]?.timestamp ?? 0)) >>> 0),
    );
    assert.deepEqual([...videoSteps], [4500]);
    assert.ok(video.packets.every((p) => p.payload.length <= 1100));
  });

  it("answers a picture loss indication with the clip's next keyframe", async () => {
    const clip = await loadShippedClip();
    const audio = capture("audio");
    const video = capture("video");
    const publisher = new ClipPublisher(clip, audio.track, video.track);
    publisher.start();
    await waitFor(() => publisher.counters.videoFrames >= 3);
    publisher.requestKeyframe();
    const before = publisher.counters.videoFrames;
    await waitFor(() => publisher.counters.videoFrames > before);
    publisher.stop();
    const starts = video.packets.filter((p) => parseVp8Descriptor(p.payload)?.start);
    const first = starts[before];
    assert.ok(first);
    // The VP8 payload follows the 4-byte descriptor; P bit 0 marks a keyframe (RFC 6386 §9.1).
    assert.equal((first.payload[4] ?? 1) & 1, 0);
    assert.equal(publisher.counters.pliReceived, 1);
    assert.equal(publisher.counters.videoKeyframes, 2);
  });
});
