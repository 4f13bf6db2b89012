/**
 * A receiver's link that lost packets is tried again with padding, not with video
 * (docs/media-adaptation.md "Probing"): real werift peers on loopback, the loss made by werift's
 * own debug option on the SFU's connection to the receiver (it drops what that connection sends).
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { RtpHeader, RtpPacket } from "werift";
import { closeAll, newRoom, Publisher, Receiver } from "./testing/loopback.ts";

after(closeAll);

/** The RTP timestamp each camera wrote last. */
const written = [0, 0];

/** Camera `index`'s frames: two packets of 1,000 bytes each 40 ms (400 kbit/s), marked in the last byte. */
const camera = (index: number) => (seq: number) => {
  written[index] = Math.ceil(seq / 2) * 3600;
  const payload = Buffer.alloc(1000);
  payload[0] = seq % 2 === 1 ? 0x10 : 0x00;
  payload[999] = index;
  const header = new RtpHeader({
    payloadType: 96,
    sequenceNumber: seq,
    timestamp: Math.ceil(seq / 2) * 3600,
    marker: seq % 2 === 0,
  });
  return new RtpPacket(header, payload);
};

async function until(what: string, done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    assert.ok(Date.now() < deadline, `not within ${ms / 1000} s: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("probing a receiver's link after loss", () => {
  it("pauses a video, then tries the link with padding, not with the paused video", async () => {
    const room = newRoom();
    const receiver = new Receiver(room);
    const publishers = [new Publisher(room, "p0", camera(0)), new Publisher(room, "p1", camera(1))];
    for (const p of publishers) await p.negotiate();
    receiver.peer.setView(
      publishers.map((_, i) => ({
        participantId: `p${i}` as ParticipantId,
        source: "camera" as const,
        width: 320,
        height: 180,
      })),
    );
    const from = (index: number, since: number) =>
      receiver.video.slice(since).filter((p) => p.payload.length > 0 && p.payload.at(-1) === index);
    await until(
      "both cameras flow",
      () => from(0, 0).length > 20 && from(1, 0).length > 20,
      10_000,
    );

    // Its link loses 40 % of what the SFU sends it until the SFU sees it, then none.
    const transport = receiver.peer.subscribeTransport;
    const config = (transport.pc as unknown as { config: object }).config;
    Object.assign(config, { debug: { outboundPacketLoss: 60 } }); // werift keeps 60 % of it
    await until("the estimate to fall", () => transport.estimateBps < 1_000_000, 20_000);
    Object.assign(config, { debug: {} });
    let mark = receiver.video.length;
    await until(
      "one camera paused",
      () => {
        const paused = from(1, mark).length === 0 || from(0, mark).length === 0;
        if (!paused) mark = Math.max(mark, receiver.video.length - 20);
        return paused && receiver.video.length - mark > 40;
      },
      10_000,
    );
    const pausedIndex = from(1, mark).length === 0 ? 1 : 0;
    const pausedAt = receiver.video.length;

    // Frames written from now on: a packet of before, resent after the loss, is not the camera back.
    const fresh = written[pausedIndex] ?? 0;
    const isBack = (p: RtpPacket) =>
      p.payload.length > 0 && p.payload.at(-1) === pausedIndex && p.header.timestamp > fresh;
    // The link is clean again. After the hold the SFU tries it with padding between the frames
    // of the camera that flows, not by sending the paused one into it: padding reaches the
    // receiver before any new frame of the paused camera does.
    const isPadding = (p: RtpPacket) => p.header.padding && p.payload.length === 0;
    await until(
      "a probe's padding, or the paused camera back",
      () => receiver.video.slice(pausedAt).some((p) => isPadding(p) || isBack(p)),
      30_000,
    );
    const first = receiver.video.slice(pausedAt).find((p) => isPadding(p) || isBack(p));
    assert.ok(first && isPadding(first), "the link was probed with padding, not with the video");
    await until(
      "ten padding packets",
      () => receiver.video.slice(pausedAt).filter(isPadding).length >= 10,
      10_000,
    );
  });
});
