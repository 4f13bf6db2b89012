import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isKeyframeStart, temporalInfo } from "./vp8.ts";

describe("VP8 keyframe start (RFC 7741 §4.2, §4.3)", () => {
  it("finds a keyframe after an extended descriptor with a 15-bit picture id", () => {
    // X=1 S=1 PID=0 | I=1 | M=1 picture id (2 bytes) | P=0 (key frame)
    assert.equal(isKeyframeStart(Uint8Array.of(0x90, 0x80, 0x80 | 0x12, 0x34, 0x10)), true);
  });

  it("finds a keyframe after a short descriptor", () => {
    assert.equal(isKeyframeStart(Uint8Array.of(0x10, 0x50)), true);
  });

  it("does not take an interframe, a later packet of a frame or another partition for one", () => {
    assert.equal(isKeyframeStart(Uint8Array.of(0x90, 0x80, 0x05, 0x11)), false);
    assert.equal(isKeyframeStart(Uint8Array.of(0x80, 0x80, 0x05, 0x10)), false);
    assert.equal(isKeyframeStart(Uint8Array.of(0x11, 0x10)), false);
  });

  it("skips TL0PICIDX and TID/KEYIDX when present", () => {
    // X S | I L T | 7-bit picture id | tl0picidx | tid | P=0
    assert.equal(isKeyframeStart(Uint8Array.of(0x90, 0xe0, 0x05, 0x01, 0x20, 0x10)), true);
    assert.equal(isKeyframeStart(Uint8Array.of(0x90, 0xe0, 0x05, 0x01, 0x20, 0x11)), false);
  });

  it("says no to a truncated payload", () => {
    assert.equal(isKeyframeStart(Uint8Array.of()), false);
    assert.equal(isKeyframeStart(Uint8Array.of(0x90, 0x80)), false);
  });
});

describe("temporalInfo (RFC 7741 §4.2 TID and Y)", () => {
  it("reads the temporal layer and the layer sync bit past PictureID and TL0PICIDX", () => {
    // X; I, L, T; 15-bit PictureID; TL0PICIDX; TID 2, Y 1, KEYIDX 0; then the payload header.
    const descriptor = [0x90, 0xe0, 0x80 | 0x12, 0x34, 0x07, (2 << 6) | 0x20, 0x00];
    assert.deepEqual(temporalInfo(Uint8Array.from(descriptor)), { layer: 2, sync: true });
    // 7-bit PictureID, no TL0PICIDX, TID 1 without Y.
    assert.deepEqual(temporalInfo(Uint8Array.from([0x80, 0xa0, 0x05, 1 << 6, 0x00])), {
      layer: 1,
      sync: false,
    });
  });

  it("says nothing of a descriptor without TID, or one cut short", () => {
    assert.equal(temporalInfo(Uint8Array.from([0x10, 0x00])), null);
    assert.equal(temporalInfo(Uint8Array.from([0x80, 0x80, 0x05])), null);
    assert.equal(temporalInfo(Uint8Array.from([0x80, 0xe0, 0x80, 0x12])), null);
  });
});
