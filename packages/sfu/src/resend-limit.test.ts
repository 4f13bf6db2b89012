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

/** A limit on `sentTen()`'s sender, on a clock the test sets, and what it resent. */
function limitOnTen() {
  const sender = sentTen();
  const clock = { t: 0 };
  const resent: number[] = [];
  const limit = new ResendLimit(
    sender,
    (p) => resent.push(p.header.sequenceNumber),
    () => clock.t,
  );
  return { sender, clock, resent, limit };
}

const nack = (lost: number[]) =>
  new RtcpTransportLayerFeedback({ feedback: new GenericNack({ lost, mediaSourceSsrc: 1 }) });

describe("resends to one receiver", () => {
  it("resends a packet at most three times, each a round trip after the one before", () => {
    const { sender, clock, resent, limit } = limitOnTen();
    sender.handleRtcpPacket(nack([103, 104]));
    sender.handleRtcpPacket(nack([103])); // asked again at once: the resend is still on its way
    assert.deepEqual(resent, [103, 104]);
    clock.t = 150; // past the 100 ms assumed before a round trip is measured
    sender.handleRtcpPacket(nack([103]));
    clock.t = 300;
    sender.handleRtcpPacket(nack([103]));
    clock.t = 450;
    sender.handleRtcpPacket(nack([103]));
    assert.deepEqual(resent, [103, 104, 103, 103], "three times at most");
    assert.equal(limit.resent, 4);
    assert.equal(limit.refused, 2);
    sender.handleRtcpPacket(nack([50, 130])); // never sent, or no longer kept
    assert.equal(resent.length, 4);
  });

  it("sends again what the receiver's feedback reports lost: a resend, or a packet nobody asked for", () => {
    const { sender, clock, resent, limit } = limitOnTen();
    // Lost, and its request lost too: the feedback is the first to say so.
    limit.lostOnTheWay(105, false);
    assert.deepEqual(resent, [105]);
    // Asked for already: the feedback's word on the first copy sends nothing more.
    sender.handleRtcpPacket(nack([106]));
    clock.t = 150;
    limit.lostOnTheWay(106, false);
    assert.deepEqual(resent, [105, 106]);
    // That resend was lost as well: it goes again, without waiting for a new request.
    limit.lostOnTheWay(106, true);
    assert.deepEqual(resent, [105, 106, 106]);
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
