/**
 * A probe of a receiver's link is padding after a video's frames (downlink-fit.ts,
 * subscribe-slot.ts): padding-only packets right after a frame's last packet, numbered in the
 * m-line's sequence with the frames around them, so the receiver sees whole frames and no gap.
 * Real werift peers on loopback.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { RtpHeader, RtpPacket } from "werift";
import type { Slot } from "./subscribe-slot.ts";
import { closeAll, newRoom, Publisher, Receiver, until } from "./testing/loopback.ts";

/** Frames of two 500-byte packets each 40 ms, the second one marked as the frame's last. */
function twoPacketFrames(seq: number): RtpPacket {
  const header = new RtpHeader({
    payloadType: 96,
    sequenceNumber: seq,
    timestamp: Math.ceil(seq / 2) * 3600,
    marker: seq % 2 === 0,
  });
  const payload = Buffer.alloc(500);
  payload[0] = seq % 2 === 1 ? 0x10 : 0x00;
  return new RtpPacket(header, payload);
}

describe("probing a receiver's link with padding", () => {
  after(closeAll);

  it("sends padding only after a frame's last packet, at the probe's rate, with no sequence gap", async () => {
    const room = newRoom();
    const receiver = new Receiver(room);
    await new Publisher(room, "publisher", twoPacketFrames).negotiate();
    await until("video flows", () => receiver.video.length > 20);
    const slots = (receiver.peer.subscribeTransport as unknown as { slots: Slot[] }).slots;
    const video = slots.find((s) => s.kind === "video");
    assert.ok(video?.canPad, "the flowing video can carry padding");
    const from = receiver.video.length;
    const started = performance.now();
    video.probeBps = 200_000;
    await new Promise((r) => setTimeout(r, 1500));
    video.probeBps = 0;
    const seconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 200));
    const got = receiver.video.slice(from);
    const isPadding = (p: RtpPacket) => p.header.padding && p.payload.length === 0;
    const padding = got.filter(isPadding);
    assert.ok(padding.length >= 20, `padding packets: ${padding.length}`);
    const bps = (padding.reduce((sum, p) => sum + p.header.paddingSize + 60, 0) * 8) / seconds;
    assert.ok(bps > 120_000 && bps < 260_000, `padding at ${Math.round(bps / 1000)} kbit/s`);
    got.forEach((p, i) => {
      const before = got[i - 1];
      if (before === undefined) return;
      assert.equal(
        p.header.sequenceNumber,
        (before.header.sequenceNumber + 1) & 0xffff,
        "no sequence number skipped",
      );
      if (isPadding(p)) {
        assert.ok(before.header.marker || isPadding(before), "padding follows a frame's end");
        assert.equal(p.header.timestamp, before.header.timestamp, "with that frame's timestamp");
      }
    });
    const media = got.filter((p) => !isPadding(p));
    assert.ok(
      media.every((p) => p.payload.length === 500),
      "the frames arrive as they were sent",
    );
  });
});
