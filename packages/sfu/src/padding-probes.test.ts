/**
 * A publisher's bandwidth probes are padding-only packets (RFC 3550 §5.1 padding, no payload),
 * up to 255 bytes each, for its own link to the SFU. Forwarded, they filled a narrow receiver's
 * link with nothing (docs/media-adaptation.md "Pacing"). The SFU keeps them from receivers, and
 * closes the gap each leaves in the sequence numbers, so the receiver sees no loss to repair.
 * The SFU's own probes of a receiver's link (downlink-fit.ts) are padding it adds to that
 * receiver's video, numbered in sequence with it.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { RtpHeader, RtpPacket } from "werift";
import type { Slot } from "./subscribe-slot.ts";
import { closeAll, morePackets, newRoom, Publisher, Receiver } from "./testing/loopback.ts";

/**
 * Every third packet a probe, the rest small VP8 frames. A probe reaches the SFU as a packet with
 * no payload once its padding is taken off; werift cannot send padding itself (its SRTP loses it),
 * so the probe here is written as what arrives: an empty payload.
 */
function probing(seq: number): RtpPacket {
  const header = new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000 });
  return new RtpPacket(header, Buffer.from(seq % 3 === 0 ? [] : [0x10, 0, 0, 0]));
}

/** VP8 frames of two packets each, the second with the marker bit. */
function twoPacketFrames(seq: number): RtpPacket {
  const header = new RtpHeader({
    payloadType: 96,
    sequenceNumber: seq,
    timestamp: Math.ceil(seq / 2) * 3000,
    marker: seq % 2 === 0,
  });
  return new RtpPacket(header, Buffer.from(seq % 2 === 1 ? [0x10, 0, 0, 0] : [0x00, 0, 0, 0]));
}

describe("padding probes", () => {
  after(closeAll);

  it("are not forwarded, and the receiver sees consecutive sequence numbers", async () => {
    const room = newRoom();
    const receiver = new Receiver(room);
    await new Publisher(room, "publisher", probing).negotiate();
    await morePackets(receiver, 40);
    const got = receiver.video;
    assert.ok(got.length >= 40);
    assert.ok(
      got.every((p) => p.payload.length > 0),
      "no padding-only packet reached the receiver",
    );
    const gaps = got.slice(1).filter((p, i) => {
      const before = got[i] as RtpPacket;
      return p.header.sequenceNumber !== ((before.header.sequenceNumber + 1) & 0xffff);
    });
    assert.equal(gaps.length, 0, "no sequence number skipped");
  });

  it("the SFU's own padding on a receiver's video: numbered in sequence with it, and arrives as padding", async () => {
    const room = newRoom();
    const receiver = new Receiver(room);
    // Frames of two packets: padding may go only after the second, which ends the frame.
    await new Publisher(room, "publisher", twoPacketFrames).negotiate();
    await morePackets(receiver, 20);
    // The receiver's video m-line, as its connection's probe reaches it.
    const slots = (receiver.peer.subscribeTransport as unknown as { slots: Slot[] }).slots;
    const video = slots.find((slot) => slot.kind === "video");
    assert.ok(video);
    const from = receiver.video.length;
    let padded = 0;
    const deadline = Date.now() + 5000;
    while (padded < 10) {
      assert.ok(Date.now() < deadline, `padded ${padded} times in 5 s`);
      // Only at the end of a frame: half the time here, after the frame's second packet.
      if (video.canPad) {
        video.pad(200);
        padded++;
      }
      await new Promise((r) => setTimeout(r, 7));
    }
    await morePackets(receiver, 10);
    const got = receiver.video.slice(from - 1);
    const padding = got.filter((p) => p.header.padding && p.payload.length === 0);
    assert.equal(padding.length, 10, "each padding packet arrived, with no payload");
    const gaps = got.slice(1).filter((p, i) => {
      const before = got[i] as RtpPacket;
      return p.header.sequenceNumber !== ((before.header.sequenceNumber + 1) & 0xffff);
    });
    assert.equal(gaps.length, 0, "no sequence number skipped or used twice");
    for (const p of padding) {
      const before = got[got.indexOf(p) - 1] as RtpPacket;
      assert.equal(p.header.timestamp, before.header.timestamp, "padding keeps the frame's time");
      assert.ok(before.header.marker || before.header.padding, "padding only between frames");
    }
  });
});
