import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FrameCodec } from "./codec-prefix.ts";
import {
  clearPrefixLength,
  isVp8KeyFrame,
  OPUS_CLEAR_BYTES,
  VP8_INTERFRAME_CLEAR_BYTES,
  VP8_KEY_FRAME_CLEAR_BYTES,
} from "./codec-prefix.ts";

describe("clear prefix per codec", () => {
  it("a VP8 key frame (inverse key-frame bit 0) keeps 10 bytes: frame tag, start code, dimensions", () => {
    const key = Uint8Array.of(0x50, 0x2d, 0x01, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, 0xff);
    assert.equal(isVp8KeyFrame(key), true);
    assert.equal(clearPrefixLength("vp8", key), VP8_KEY_FRAME_CLEAR_BYTES);
    assert.equal(VP8_KEY_FRAME_CLEAR_BYTES, 10);
  });

  it("a VP8 interframe (inverse key-frame bit 1) keeps its 3-byte frame tag", () => {
    const inter = Uint8Array.of(0x31, 0x0b, 0x00, 0x12, 0x34);
    assert.equal(isVp8KeyFrame(inter), false);
    assert.equal(clearPrefixLength("vp8", inter), VP8_INTERFRAME_CLEAR_BYTES);
    assert.equal(VP8_INTERFRAME_CLEAR_BYTES, 3);
  });

  it("an empty VP8 frame gets the shortest prefix, which it is still shorter than", () => {
    assert.equal(clearPrefixLength("vp8", new Uint8Array()), 3);
  });

  it("Opus keeps its TOC byte, whatever the frame", () => {
    for (const frame of [new Uint8Array(), Uint8Array.of(0xfc), new Uint8Array(80).fill(0x78)]) {
      assert.equal(clearPrefixLength("opus", frame), OPUS_CLEAR_BYTES);
    }
    assert.equal(OPUS_CLEAR_BYTES, 1);
  });

  it("an unknown codec is a usage error", () => {
    assert.throws(() => clearPrefixLength("h264" as FrameCodec, Uint8Array.of(1)), {
      code: "E2EE_USAGE",
    });
  });
});
