import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { mutate, seededRandom } from "./fuzz.test-support.ts";
import { parseIvf, writeIvf } from "./ivf.ts";

const header = {
  fourcc: "VP80",
  width: 320,
  height: 240,
  timebaseDenominator: 20,
  timebaseNumerator: 1,
};
const frames = [
  { timestamp: 0, data: new Uint8Array([1, 2, 3]) },
  { timestamp: 1, data: new Uint8Array([4, 5]) },
];

function expectFailure(bytes: Uint8Array, pattern: RegExp): void {
  const result = parseIvf(bytes);
  assert.equal(result.ok, false);
  if (!result.ok) {
    assert.equal(result.error.code, "BAD_IVF");
    assert.match(result.error.message, pattern);
  }
}

describe("ivf", () => {
  it("reads back the frames and header it wrote", () => {
    const result = parseIvf(writeIvf(header, frames));
    assert.ok(result.ok);
    assert.deepEqual(result.value.header, { ...header, declaredFrameCount: 2 });
    assert.deepEqual(
      result.value.frames.map((f) => [f.timestamp, [...f.data]]),
      frames.map((f) => [f.timestamp, [...f.data]]),
    );
  });

  it("reads the shipped clip: 200 VP8 frames at 20 fps, keyframe first", () => {
    const bytes = readFileSync(new URL("../media/clip.ivf", import.meta.url));
    const result = parseIvf(bytes);
    assert.ok(result.ok);
    const { header: h, frames: f } = result.value;
    assert.equal(h.fourcc, "VP80");
    assert.equal(f.length, 200);
    assert.equal(h.timebaseDenominator / h.timebaseNumerator, 20);
    // VP8 payload header P bit (RFC 6386 §9.1): 0 on keyframes.
    assert.equal((f[0]?.data[0] ?? 1) & 1, 0);
    assert.equal(f.filter((x) => ((x.data[0] ?? 1) & 1) === 0).length, 5);
  });

  it("rejects a missing signature", () => {
    const bytes = writeIvf(header, frames);
    bytes[0] = 0x58;
    expectFailure(bytes, /signature/);
  });

  it("rejects input shorter than the file header", () => {
    expectFailure(new Uint8Array(10), /shorter/);
  });

  it("rejects a truncated frame", () => {
    const bytes = writeIvf(header, frames);
    expectFailure(bytes.subarray(0, bytes.length - 1), /truncated frame/);
  });

  it("rejects a truncated frame header", () => {
    const bytes = writeIvf(header, frames);
    const extended = new Uint8Array(bytes.length + 5);
    extended.set(bytes);
    expectFailure(extended, /truncated frame header/);
  });

  it("rejects a frame size larger than the file", () => {
    const bytes = writeIvf(header, frames);
    new DataView(bytes.buffer).setUint32(32, 0xffffff, true);
    expectFailure(bytes, /frame/);
  });

  it("rejects a header size pointing past the end", () => {
    const bytes = writeIvf(header, frames);
    new DataView(bytes.buffer).setUint16(6, 0xffff, true);
    expectFailure(bytes, /header size/);
  });

  it("rejects a file with no frames", () => {
    expectFailure(writeIvf(header, []), /no frames/);
  });
  it("never throws on mutated or truncated input (2000 seeded cases)", () => {
    const original = new Uint8Array(
      readFileSync(new URL("../media/clip.ivf", import.meta.url)).subarray(0, 6000),
    );
    const random = seededRandom(0x1f7);
    for (let i = 0; i < 2000; i++) {
      const input = mutate(original, random);
      assert.doesNotThrow(() => parseIvf(input), `case ${i}`);
    }
  });
});
