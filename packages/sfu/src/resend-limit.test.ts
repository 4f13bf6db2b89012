import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  GenericNack,
  PictureLossIndication,
  RTCRtpSender,
  RtcpPayloadSpecificFeedback,
  RtcpTransportLayerFeedback,
  RtpHeader,
  RtpPacket,
} from "werift";
import { ResendLimit } from "./resend-limit.ts";

/** A real werift sender whose history holds sequence numbers 100..109, as after sending them. */
function sentTen() {
  const sender = new RTCRtpSender("video");
  const cache = (sender as unknown as { rtpCache: RtpPacket[] }).rtpCache;
  for (let seq = 100; seq < 110; seq++) {
    cache[seq % 128] = new RtpPacket(new RtpHeader({ sequenceNumber: seq }), Buffer.alloc(100));
  }
  return sender;
}

const nack = (lost: number[]) =>
  new RtcpTransportLayerFeedback({ feedback: new GenericNack({ lost, mediaSourceSsrc: 1 }) });

describe("resends to one receiver", () => {
  it("resends a packet at most twice, the second time a round trip after the first", () => {
    const sender = sentTen();
    let t = 0;
    const resent: number[] = [];
    const limit = new ResendLimit(
      sender,
      (p) => resent.push(p.header.sequenceNumber),
      () => t,
    );
    sender.handleRtcpPacket(nack([103, 104]));
    sender.handleRtcpPacket(nack([103])); // asked again at once: the resend is still on its way
    assert.deepEqual(resent, [103, 104]);
    t = 150; // past the 100 ms assumed before a round trip is measured
    sender.handleRtcpPacket(nack([103]));
    t = 300;
    sender.handleRtcpPacket(nack([103]));
    assert.deepEqual(resent, [103, 104, 103], "twice at most");
    assert.equal(limit.resent, 3);
    assert.equal(limit.refused, 2);
    sender.handleRtcpPacket(nack([50, 130])); // never sent, or no longer kept
    assert.equal(resent.length, 3);
  });

  it("never resends what it sent for a source its m-line no longer carries", () => {
    const sender = sentTen();
    const resent: number[] = [];
    const limit = new ResendLimit(sender, (p) => resent.push(p.header.sequenceNumber));
    limit.forgetSent();
    // The next source's first packet, sent after the change: that one is resent.
    const cache = (sender as unknown as { rtpCache: RtpPacket[] }).rtpCache;
    cache[110] = new RtpPacket(new RtpHeader({ sequenceNumber: 110 }), Buffer.alloc(100));
    sender.handleRtcpPacket(nack([105, 109, 110]));
    assert.deepEqual(resent, [110]);
  });

  it("leaves werift the rest of its RTCP, such as a picture loss indication", () => {
    const sender = sentTen();
    new ResendLimit(sender, () => {});
    let losses = 0;
    sender.onPictureLossIndication.subscribe(() => losses++);
    sender.handleRtcpPacket(
      new RtcpPayloadSpecificFeedback({
        feedback: new PictureLossIndication({ senderSsrc: 1, mediaSsrc: sender.ssrc }),
      }),
    );
    assert.equal(losses, 1);
  });
});
