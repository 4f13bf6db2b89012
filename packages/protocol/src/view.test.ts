import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseClientMessage, parseServerMessage } from "./codec.ts";
import { isProtocolError } from "./errors.ts";

function codeOf(message: unknown): string {
  try {
    parseClientMessage(JSON.stringify(message));
  } catch (error) {
    assert.ok(isProtocolError(error));
    return error.code;
  }
  assert.fail(`accepted ${JSON.stringify(message)}`);
}

const ALICE = "alice-0123456789";
const BOB = "bob-0123456789ab";

describe("view: the videos a page shows", () => {
  it("accepts the shown videos by publisher, source and size, and an empty list (nothing on screen)", () => {
    const view = {
      type: "view",
      videos: [
        { participantId: ALICE, source: "camera", width: 640, height: 360 },
        { participantId: ALICE, source: "screen", width: 1280, height: 720 },
        { participantId: BOB, source: "camera", width: 320, height: 180 },
      ],
    };
    assert.deepEqual(parseClientMessage(JSON.stringify(view)), view);
    assert.deepEqual(parseClientMessage(JSON.stringify({ type: "view", videos: [] })), {
      type: "view",
      videos: [],
    });
  });

  it("refuses a repeated video, a bad id, an audio source, a size of zero or a fraction, a mid and extra fields", () => {
    const video = { participantId: ALICE, source: "camera", width: 640, height: 360 };
    for (const bad of [
      { type: "view", videos: [video, video] },
      { type: "view", videos: [{ ...video, participantId: "../x" }] },
      { type: "view", videos: [{ ...video, source: "microphone" }] },
      { type: "view", videos: [{ ...video, width: 0 }] },
      { type: "view", videos: [{ ...video, height: 1.5 }] },
      { type: "view", videos: [{ ...video, mid: "1" }] },
      { type: "view", videos: [{ width: 640, height: 360, mid: "1" }] },
      {
        type: "view",
        videos: Array.from({ length: 65 }, (_, i) => ({
          ...video,
          participantId: `p${String(i).padStart(15, "0")}`,
        })),
      },
    ]) {
      assert.equal(codeOf(bad), "BAD_MESSAGE", JSON.stringify(bad).slice(0, 80));
    }
  });
});

describe("videos-paused: what the SFU holds back from a narrow link", () => {
  it("accepts the paused mids, and an empty list (none paused)", () => {
    for (const mids of [["1", "3"], []]) {
      const message = { type: "videos-paused", mids };
      assert.deepEqual(parseServerMessage(JSON.stringify(message)), message);
    }
  });

  it("refuses a repeated mid, a bad mid, too many and extra fields", () => {
    for (const bad of [
      { type: "videos-paused", mids: ["1", "1"] },
      { type: "videos-paused", mids: ["<b>"] },
      { type: "videos-paused", mids: Array.from({ length: 65 }, (_, i) => `${i}`) },
      { type: "videos-paused", mids: [], reason: "x" },
    ]) {
      assert.throws(
        () => parseServerMessage(JSON.stringify(bad)),
        JSON.stringify(bad).slice(0, 60),
      );
    }
  });
});

describe("camera-layers: how many layers a publisher's camera encodes", () => {
  it("names one to three layers, and nothing else", () => {
    for (const layers of [1, 2, 3]) {
      assert.deepEqual(parseServerMessage(JSON.stringify({ type: "camera-layers", layers })), {
        type: "camera-layers",
        layers,
      });
    }
    for (const bad of [
      { type: "camera-layers", layers: 0 },
      { type: "camera-layers", layers: 4 },
      { type: "camera-layers", layers: 1.5 },
      { type: "camera-layers", layers: "3" },
      { type: "camera-layers", layers: 2, source: "screen" },
    ]) {
      assert.throws(() => parseServerMessage(JSON.stringify(bad)), JSON.stringify(bad));
    }
  });
});
