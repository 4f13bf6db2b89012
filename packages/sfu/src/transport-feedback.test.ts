import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RtcpPacketConverter, TransportWideCC } from "werift";
import { encodeFeedback, TransportFeedback } from "./transport-feedback.ts";

/** Decodes with werift's own parser, which Chromium's format also follows. */
function decode(packet: Buffer): TransportWideCC {
  const [rtcp] = RtcpPacketConverter.deSerialize(packet);
  const feedback = (rtcp as { feedback?: unknown } | undefined)?.feedback;
  assert.ok(feedback instanceof TransportWideCC);
  return feedback;
}

describe("transport-wide feedback (draft-holmer-rmcat-transport-wide-cc-extensions-01)", () => {
  it("puts the first arrival on the 64 ms grid and the deltas after it, in 250 µs units", () => {
    // 1_000_000 µs = 15 × 64 ms + 40 ms.
    const packet = encodeFeedback({
      senderSsrc: 1,
      mediaSsrc: 0,
      baseSequence: 100,
      arrivals: [1_000_000, 1_005_000, 1_005_250],
      count: 7,
    });
    assert.equal(packet.length % 4, 0);
    const feedback = decode(packet);
    assert.equal(feedback.baseSequenceNumber, 100);
    assert.equal(feedback.packetStatusCount, 3);
    assert.equal(feedback.referenceTime, 15);
    assert.equal(feedback.fbPktCount, 7);
    assert.deepEqual(
      feedback.recvDeltas.map((d) => d.delta),
      [40_000, 5_000, 250],
    );
  });

  it("reports a gap as not received, and keeps the deltas with the packets that arrived", () => {
    const feedback = decode(
      encodeFeedback({
        senderSsrc: 1,
        mediaSsrc: 0,
        baseSequence: 65534,
        arrivals: [640_000, undefined, undefined, 650_000],
        count: 0,
      }),
    );
    assert.equal(feedback.packetStatusCount, 4);
    assert.deepEqual(
      feedback.packetChunks.map((c) => [
        (c as { packetStatus: number }).packetStatus,
        (c as { runLength: number }).runLength,
      ]),
      [
        [1, 1],
        [0, 2],
        [1, 1],
      ],
    );
    assert.deepEqual(
      feedback.recvDeltas.map((d) => d.delta),
      [0, 10_000],
    );
  });

  it("writes a late packet as a large (signed) delta", () => {
    const feedback = decode(
      encodeFeedback({
        senderSsrc: 1,
        mediaSsrc: 0,
        baseSequence: 1,
        arrivals: [640_000, 630_000],
        count: 0,
      }),
    );
    assert.deepEqual(
      feedback.recvDeltas.map((d) => d.delta),
      [0, -10_000],
    );
  });

  it("sends nothing until it knows a media SSRC of the publisher's (libwebrtc drops feedback for others)", () => {
    const sent: Buffer[] = [];
    const feedback = new TransportFeedback(
      9,
      (p) => sent.push(p),
      60_000,
      () => 1000,
    );
    feedback.received(1);
    feedback.flush();
    feedback.close();
    assert.equal(sent.length, 0);
  });

  it("continues each feedback where the last ended, across the 16-bit wrap, losses included", () => {
    let now = 1_000_000;
    const sent: TransportWideCC[] = [];
    const feedback = new TransportFeedback(
      9,
      (p) => sent.push(decode(p)),
      60_000,
      () => now,
    );
    feedback.mediaSsrc = 1234;
    for (const sequence of [65533, 65534]) {
      feedback.received(sequence);
      now += 1000;
    }
    feedback.flush();
    // 65535 and 0 are lost; 1 arrives.
    feedback.received(1);
    feedback.flush();
    feedback.close();
    assert.equal(sent.length, 2);
    assert.equal(sent[1]?.baseSequenceNumber, 65535);
    assert.equal(sent[1]?.packetStatusCount, 3);
    assert.equal(sent[1]?.recvDeltas.length, 1);
    assert.equal(sent[1]?.fbPktCount, 1);
    assert.equal(sent[1]?.mediaSourceSsrc, 1234);
  });
});
