/**
 * A publisher's bandwidth probes are padding-only packets (RFC 3550 §5.1 padding, no payload),
 * up to 255 bytes each, for its own link to the SFU. Forwarded, they filled a narrow receiver's
 * link with nothing (docs/media-adaptation.md "Pacing"). The SFU keeps them from receivers, and
 * closes the gap each leaves in the sequence numbers, so the receiver sees no loss to repair.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { RtpHeader, RtpPacket } from "werift";
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
});
