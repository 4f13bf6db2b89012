import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseClientMessage, parseServerMessage } from "./codec.ts";
import { isProtocolError } from "./errors.ts";

const ALICE = "aaaaaaaaaaaaaaaa";

function codeOf(parse: (raw: string) => unknown, message: unknown): string {
  try {
    parse(JSON.stringify(message));
  } catch (error) {
    assert.ok(isProtocolError(error));
    return error.code;
  }
  assert.fail(`accepted ${JSON.stringify(message)}`);
}

const offer = (tracks: unknown[]) => ({ type: "subscribe-offer", sdp: "v=0", tracks });

describe("screen share messages", () => {
  it("accepts screen-share with video, with video and audio, and the stop", () => {
    for (const [video, audio] of [
      [true, false],
      [true, true],
      [false, false],
    ]) {
      const message = { type: "screen-share", video, audio };
      assert.deepEqual(parseClientMessage(JSON.stringify(message)), message);
    }
  });

  it("refuses screen audio without screen video, missing or extra fields and wrong types", () => {
    for (const bad of [
      { type: "screen-share", video: false, audio: true },
      { type: "screen-share", video: true },
      { type: "screen-share", video: true, audio: false, who: ALICE },
      { type: "screen-share", video: "yes", audio: false },
      { type: "keyframe-request", participantId: ALICE, source: "microphone" },
      { type: "keyframe-request", participantId: ALICE, source: "screenAudio" },
    ]) {
      assert.equal(codeOf(parseClientMessage, bad), "BAD_MESSAGE", JSON.stringify(bad));
    }
  });

  it("keyframe-request names a camera or a screen, or neither", () => {
    for (const message of [
      { type: "keyframe-request", participantId: ALICE, source: "camera" },
      { type: "keyframe-request", participantId: ALICE, source: "screen" },
      { type: "keyframe-request", participantId: ALICE },
    ]) {
      assert.deepEqual(parseClientMessage(JSON.stringify(message)), message);
    }
  });

  it("every subscribed track says its source, and the source must match its kind", () => {
    const tracks = [
      { mid: "0", participantId: ALICE, kind: "audio", source: "microphone" },
      { mid: "1", participantId: ALICE, kind: "video", source: "camera" },
      { mid: "2", participantId: ALICE, kind: "video", source: "screen" },
      { mid: "3", participantId: ALICE, kind: "audio", source: "screenAudio" },
    ];
    assert.deepEqual(parseServerMessage(JSON.stringify(offer(tracks))), offer(tracks));
    for (const track of [
      { mid: "2", participantId: ALICE, kind: "audio", source: "screen" },
      { mid: "3", participantId: ALICE, kind: "video", source: "screenAudio" },
      { mid: "1", participantId: ALICE, kind: "video" },
      { mid: "1", participantId: ALICE, kind: "video", source: "window" },
    ]) {
      assert.equal(
        codeOf(parseServerMessage, offer([track])),
        "BAD_MESSAGE",
        JSON.stringify(track),
      );
    }
  });
});
