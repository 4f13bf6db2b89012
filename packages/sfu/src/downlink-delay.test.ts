/**
 * A receiver's transport-wide feedback shows a queue building on its link before the queue
 * overflows (delay-trend.ts), and the SFU's estimate of its downlink falls at once, to what the
 * link carries, where the loss-based estimate alone waits for loss (docs/media-adaptation.md).
 * The link is simulated in the receiver's arrival clock: each packet arrives once a link of
 * LINK_BPS has carried the ones before it. Everything else is real: werift's sender stamping
 * transport sequence numbers, the receiver's feedback over SRTCP, the SFU reading it.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { RtpHeader, RtpPacket } from "werift";
import { START_BPS } from "./downlink-estimate.ts";
import { closeAll, newRoom, Publisher, Receiver } from "./testing/loopback.ts";

const PAYLOAD = 1000;
/** Each packet on the receiver's link: payload, RTP header with one extension, SRTP tag, UDP/IP. */
const WIRE = PAYLOAD + 12 + 8 + 10 + 28;
const LINK_BPS = 200_000;

/** 1,000-byte VP8 packets every 20 ms: about 420 kbit/s on the wire. */
function large(seq: number): RtpPacket {
  const header = new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000 });
  const payload = Buffer.alloc(PAYLOAD);
  payload[0] = 0x10;
  return new RtpPacket(header, payload);
}

/** Arrival times of a link of `bps` with a queue that never overflows, in µs. */
function narrowLink(bps: number): () => number {
  let free = 0;
  return () => {
    free = Math.max(free, performance.now() * 1000) + (WIRE * 8 * 1e6) / bps;
    return free;
  };
}

async function estimateAfter(receiver: Receiver, ms: number): Promise<number> {
  await new Promise((r) => setTimeout(r, ms));
  return receiver.peer.subscribeTransport.estimateBps;
}

describe("the receiving leg's delay-based estimate", () => {
  after(closeAll);

  it("falls within two seconds to what a narrow link carries, with no loss", async () => {
    const room = newRoom();
    const receiver = new Receiver(room, narrowLink(LINK_BPS));
    await new Publisher(room, "publisher", large).negotiate();
    const estimate = await estimateAfter(receiver, 2500);
    assert.ok(
      estimate >= 0.5 * LINK_BPS && estimate <= LINK_BPS,
      `estimate ${Math.round(estimate / 1000)} kbit/s for a ${LINK_BPS / 1000} kbit/s link`,
    );
  });

  it("stays where it was on a link that carries everything", async () => {
    const room = newRoom();
    const receiver = new Receiver(room);
    await new Publisher(room, "publisher", large).negotiate();
    assert.ok((await estimateAfter(receiver, 2500)) >= START_BPS);
  });
});
