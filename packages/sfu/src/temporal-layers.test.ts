/**
 * A receiver whose link cannot carry even a video's lowest spatial layer gets fewer of its frames:
 * the m-line leaves out VP8 temporal layers above its limit (subscribe-slot.ts), lowers the limit
 * at once and raises it only where the higher layer can start (a layer sync or a keyframe).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MediaStreamTrack, RTCPeerConnection, RtpHeader, RtpPacket } from "werift";
import type { Paced, Pacer } from "./pacer.ts";
import { SendHistory } from "./send-history.ts";
import { Slot } from "./subscribe-slot.ts";

/** A VP8 packet of temporal layer `tid` (Y: `sync`); a keyframe start when `key`. */
function vp8(seq: number, tid: number, sync = false, key = false): RtpPacket {
  const header = new RtpHeader({ payloadType: 96, sequenceNumber: seq, timestamp: seq * 3000 });
  // X, S, partition 0; T; TID, Y; then the payload header (P = 0: key frame).
  const descriptor = [0x90, 0x20, (tid << 6) | (sync ? 0x20 : 0), key ? 0x00 : 0x01, 0, 0];
  return new RtpPacket(header, Buffer.from(descriptor));
}

function slotWithRecordingPacer(): { slot: Slot; forwarded: () => number[]; close: () => void } {
  const pc = new RTCPeerConnection();
  const items: Paced[] = [];
  const pacer = {
    send: (_sink: unknown, item: Paced) => {
      items.push(item);
      return true;
    },
    discard() {},
  } as unknown as Pacer;
  const transceiver = pc.addTransceiver(new MediaStreamTrack({ kind: "video" }), {
    direction: "sendonly",
  });
  const slot = new Slot("video", transceiver, pacer, new SendHistory());
  const forwarded = () =>
    items.filter((i): i is RtpPacket => i instanceof RtpPacket).map((p) => p.header.sequenceNumber);
  return { slot, forwarded, close: () => void pc.close() };
}

describe("temporal layers left out for a narrow link", () => {
  it("leaves out layers above the limit, and raises it only at a layer sync", () => {
    const { slot, forwarded, close } = slotWithRecordingPacer();
    slot.limitTemporal(1);
    // L1T3: 0 2 1 2 0 2 1 2 …
    const pattern = [0, 2, 1, 2, 0, 2, 1, 2];
    pattern.forEach((tid, i) => {
      slot.write(vp8(i, tid, i < 4, i === 0));
    });
    assert.deepEqual(forwarded(), [0, 2, 4, 6]);
    slot.limitTemporal(Number.POSITIVE_INFINITY);
    // Layer 2 frames that are no layer sync may refer to frames it did not get: left out.
    slot.write(vp8(8, 0));
    slot.write(vp8(9, 2));
    slot.write(vp8(10, 2, true));
    slot.write(vp8(11, 2));
    assert.deepEqual(forwarded().slice(4), [8, 10, 11]);
    close();
  });

  it("lowers the limit at once, and a keyframe lifts it for every layer", () => {
    const { slot, forwarded, close } = slotWithRecordingPacer();
    slot.write(vp8(0, 0, false, true));
    slot.write(vp8(1, 2));
    slot.limitTemporal(0);
    slot.write(vp8(2, 1));
    slot.write(vp8(3, 2));
    slot.write(vp8(4, 0));
    slot.limitTemporal(2);
    slot.write(vp8(5, 2));
    slot.write(vp8(6, 0, false, true));
    slot.write(vp8(7, 2));
    slot.write(vp8(8, 1));
    assert.deepEqual(forwarded(), [0, 1, 4, 6, 7, 8]);
    close();
  });
});
