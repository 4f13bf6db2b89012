import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RtcpPacketConverter, TransportWideCC } from "werift";
import { encodeFeedback, reportOf, TransportFeedback } from "./transport-feedback.ts";

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

  it("reads back what it wrote: losses, arrivals and a delta below the last (large)", () => {
    const arrivals = [1_000_000, undefined, undefined, 1_020_000, 1_010_250, 1_100_000];
    const report = reportOf(
      decode(
        encodeFeedback({ senderSsrc: 5, mediaSsrc: 6, baseSequence: 65534, arrivals, count: 3 }),
      ),
    );
    assert.deepEqual(report, {
      senderSsrc: 5,
      mediaSsrc: 6,
      baseSequence: 65534,
      arrivals,
      count: 3,
    });
  });

  it("reads status vector chunks of one- and two-bit symbols, as receivers write them", () => {
    const packet = Buffer.from([
      // V=2, FMT=15, RTPFB (205), length 7 words; sender and media SSRC.
      0x8f, 205, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2,
      // Base sequence 10, 9 statuses, reference time 2 (128 ms), feedback count 0.
      0, 10, 0, 9, 0, 0, 2, 0,
      // Two-bit symbols: small, not received, large, small, small, not received, small.
      0xd2, 0x51,
      // One-bit symbols: received, received, then padding symbols past the count.
      0xb0, 0x00,
      // Deltas in 250 µs: 4, large -8, 8, 0, 40, 1, 2.
      4, 0xff, 0xf8, 8, 0, 40, 1, 2,
    ]);
    assert.deepEqual(reportOf(decode(packet)).arrivals, [
      129_000,
      undefined,
      127_000,
      129_000,
      129_000,
      undefined,
      139_000,
      139_250,
      139_750,
    ]);
  });
});
