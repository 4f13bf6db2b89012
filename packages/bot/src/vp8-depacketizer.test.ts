import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  parseVp8Descriptor,
  type RtpPacketView,
  Vp8Depacketizer,
  type Vp8Frame,
} from "./vp8-depacketizer.ts";
import { packetizeVp8 } from "./vp8-packetizer.ts";

/** A fake VP8 frame: byte 0 carries the P bit (0 = keyframe), the rest is a pattern. */
function makeFrame(index: number, keyframe: boolean, length: number): Uint8Array {
  const frame = new Uint8Array(length).map((_, i) => (i * 31 + index) & 0xff);
  frame[0] = keyframe ? 0x10 : 0x11;
  return frame;
}

const frames = Array.from({ length: 12 }, (_, i) =>
  makeFrame(i, i % 4 === 0, 300 + ((i * 997) % 3500)),
);

/** Packetizes `frames` into RTP with sequence numbers starting at `firstSeq`. */
function toRtp(input: readonly Uint8Array[], firstSeq = 65_530): RtpPacketView[] {
  const out: RtpPacketView[] = [];
  let seq = firstSeq;
  input.forEach((frame, i) => {
    for (const p of packetizeVp8(frame, 32_760 + i, 1100)) {
      out.push({
        sequenceNumber: seq & 0xffff,
        timestamp: (4_294_960_000 + i * 4500) >>> 0,
        marker: p.marker,
        payload: p.payload,
      });
      seq++;
    }
  });
  return out;
}

function run(packets: readonly RtpPacketView[], depacketizer = new Vp8Depacketizer()): Vp8Frame[] {
  return packets.flatMap((p, i) => depacketizer.push(p, i));
}

const bytes = (list: readonly Vp8Frame[]) => list.map((f) => [...f.data]);

describe("vp8 depacketizer", () => {
  it("round-trips: packetize then depacketize gives the original frames", () => {
    const depacketizer = new Vp8Depacketizer();
    const out = run(toRtp(frames), depacketizer);
    assert.deepEqual(
      bytes(out),
      frames.map((f) => [...f]),
    );
    assert.deepEqual(
      out.map((f) => f.keyframe),
      frames.map((_, i) => i % 4 === 0),
    );
    assert.equal(depacketizer.counters.framesCompleted, 12);
    assert.equal(depacketizer.counters.keyframes, 3);
    assert.equal(depacketizer.counters.framesDropped, 0);
  });

  it("puts reordered packets back in sequence order", () => {
    const packets = toRtp(frames);
    const shuffled = [...packets];
    // From index 1: the very first packet received fixes where the stream starts.
    for (let i = 1; i + 3 < shuffled.length; i += 4) {
      const a = shuffled[i];
      const b = shuffled[i + 2];
      if (a && b) [shuffled[i], shuffled[i + 2]] = [b, a];
    }
    assert.deepEqual(
      bytes(run(shuffled)),
      frames.map((f) => [...f]),
    );
  });

  it("drops only the frame a gap falls in", () => {
    const packets = toRtp(frames);
    // Remove the second packet of frame 5 (frame sizes make frame 5 span several packets).
    const starts = packets.flatMap((p, i) => (parseVp8Descriptor(p.payload)?.start ? [i] : []));
    const victim = (starts[5] ?? 0) + 1;
    assert.ok(packets[victim] && !parseVp8Descriptor(packets[victim].payload)?.start);
    const depacketizer = new Vp8Depacketizer({ maxReorderPackets: 2 });
    const out = run(
      packets.filter((_, i) => i !== victim),
      depacketizer,
    );
    assert.deepEqual(
      bytes(out),
      frames.filter((_, i) => i !== 5).map((f) => [...f]),
    );
    assert.equal(depacketizer.counters.framesDropped, 1);
    assert.equal(depacketizer.counters.gaps, 1);
    // Only the frame right after the loss says the chain broke there.
    assert.deepEqual(
      out.flatMap((f, i) => (f.afterLoss ? [i] : [])),
      [5],
    );
  });

  it("loses the frame whose first packet is missing, and nothing else", () => {
    const packets = toRtp(frames);
    const starts = packets.flatMap((p, i) => (parseVp8Descriptor(p.payload)?.start ? [i] : []));
    const victim = starts[7] ?? 0;
    const depacketizer = new Vp8Depacketizer({ maxReorderPackets: 2 });
    const out = run(
      packets.filter((_, i) => i !== victim),
      depacketizer,
    );
    assert.deepEqual(
      bytes(out),
      frames.filter((_, i) => i !== 7).map((f) => [...f]),
    );
  });

  it("gives up on a gap after maxReorderMs even with few packets waiting", () => {
    const packets = toRtp(frames);
    const depacketizer = new Vp8Depacketizer({ maxReorderPackets: 1000, maxReorderMs: 50 });
    const kept = packets.filter((_, i) => i !== 1);
    const out = kept.flatMap((p, i) => depacketizer.push(p, i * 20));
    assert.ok(out.length >= frames.length - 2);
    assert.equal(depacketizer.counters.gaps, 1);
  });

  it("completes a frame at a timestamp change when only its marker packet is unmarked", () => {
    const packets = toRtp(frames.slice(0, 3)).map((p) => ({ ...p, marker: false }));
    const out = run(packets);
    // The last frame has no successor to end it; the first two end at the timestamp change.
    assert.deepEqual(
      bytes(out),
      frames.slice(0, 2).map((f) => [...f]),
    );
  });

  it("counts duplicates and late packets without passing them on", () => {
    const packets = toRtp(frames.slice(0, 2));
    const first = packets[0];
    assert.ok(first);
    const depacketizer = new Vp8Depacketizer();
    const out = run([...packets, first, first], depacketizer);
    assert.equal(out.length, 2);
    assert.equal(depacketizer.counters.packetsLate, 2);
  });

  it("parses descriptors with 7-bit PictureID, TL0PICIDX and TID/KEYIDX", () => {
    // X=1 S=1 PID=0; I L T K set; 7-bit PictureID 0x15; TL0PICIDX; TID/Y/KEYIDX; then VP8 data.
    const payload = new Uint8Array([0x90, 0xf0, 0x15, 0x07, 0x40, 0x10, 0xaa]);
    assert.deepEqual(parseVp8Descriptor(payload), {
      length: 5,
      start: true,
      partitionIndex: 0,
      pictureId: 0x15,
    });
    assert.deepEqual(parseVp8Descriptor(new Uint8Array([0x10, 0x10])), {
      length: 1,
      start: true,
      partitionIndex: 0,
      pictureId: null,
    });
  });

  it("treats a later partition's S bit as a continuation, not a new frame", () => {
    const head = new Uint8Array([0x10, 0x10, 0x01]);
    const second = new Uint8Array([0x11, 0x02, 0x03]); // S=1, partition index 1
    const depacketizer = new Vp8Depacketizer();
    const out = [
      ...depacketizer.push({ sequenceNumber: 1, timestamp: 9, marker: false, payload: head }, 0),
      ...depacketizer.push({ sequenceNumber: 2, timestamp: 9, marker: true, payload: second }, 0),
    ];
    assert.deepEqual(bytes(out), [[0x10, 0x01, 0x02, 0x03]]);
  });

  it("does not throw on garbage and recovers at the next frame", () => {
    const depacketizer = new Vp8Depacketizer();
    const garbage = [
      new Uint8Array(0),
      new Uint8Array([0x80]),
      new Uint8Array([0xff, 0xff, 0xff]),
      new Uint8Array([0x90, 0x80]),
    ];
    let seq = 100;
    for (const payload of garbage) {
      assert.doesNotThrow(() =>
        depacketizer.push({ sequenceNumber: seq++, timestamp: 1, marker: true, payload }, 0),
      );
    }
    assert.equal(depacketizer.counters.packetsMalformed, 4);
    const good = toRtp(frames.slice(0, 2), seq);
    assert.deepEqual(
      bytes(good.flatMap((p) => depacketizer.push(p, 0))),
      frames.slice(0, 2).map((f) => [...f]),
    );
  });

  it("survives random packets without throwing", () => {
    const depacketizer = new Vp8Depacketizer();
    let state = 1;
    const random = () => {
      state = (state * 1_103_515_245 + 12_345) & 0x7fffffff;
      return state;
    };
    for (let i = 0; i < 5000; i++) {
      const payload = new Uint8Array(random() % 20).map(() => random() & 0xff);
      depacketizer.push(
        {
          sequenceNumber: random() & 0xffff,
          timestamp: random(),
          marker: (random() & 1) === 1,
          payload,
        },
        i,
      );
    }
    assert.ok(depacketizer.counters.packetsLate + depacketizer.counters.packetsMalformed > 0);
  });
});
