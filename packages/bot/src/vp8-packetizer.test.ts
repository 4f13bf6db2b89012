import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseVp8Descriptor } from "./vp8-depacketizer.ts";
import { packetizeVp8 } from "./vp8-packetizer.ts";

describe("vp8 packetizer", () => {
  it("sets S on the first packet only and the marker on the last only", () => {
    const frame = new Uint8Array(3000).map((_, i) => i & 0xff);
    const packets = packetizeVp8(frame, 5);
    assert.equal(packets.length, 3);
    assert.deepEqual(
      packets.map((p) => [parseVp8Descriptor(p.payload)?.start, p.marker]),
      [
        [true, false],
        [false, false],
        [false, true],
      ],
    );
  });

  it("keeps every payload within the limit and the bytes in order", () => {
    const frame = new Uint8Array(10_000).map((_, i) => (i * 7) & 0xff);
    for (const limit of [100, 1100, 1200]) {
      const packets = packetizeVp8(frame, 1, limit);
      assert.ok(packets.every((p) => p.payload.length <= limit));
      const rebuilt = packets.flatMap((p) => [...p.payload.subarray(4)]);
      assert.deepEqual(rebuilt, [...frame]);
    }
  });

  it("writes a 15-bit PictureID that wraps", () => {
    const [only] = packetizeVp8(new Uint8Array([1, 2, 3]), 0x8001);
    assert.ok(only);
    assert.equal(only.marker, true);
    assert.deepEqual(parseVp8Descriptor(only.payload), {
      length: 4,
      start: true,
      partitionIndex: 0,
      pictureId: 1,
    });
  });

  it("refuses misuse: an empty frame or a limit that leaves no room", () => {
    assert.throws(() => packetizeVp8(new Uint8Array(0), 0), RangeError);
    assert.throws(() => packetizeVp8(new Uint8Array(10), 0, 4), RangeError);
  });
});
