/// <reference types="node" />
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ParticipantId, ViewedVideo } from "@conclave/protocol";
import { ViewReport } from "./visible-videos.ts";

function camera(participantId: string, width: number): ViewedVideo {
  return {
    participantId: participantId as ParticipantId,
    source: "camera",
    width,
    height: (width * 9) / 16,
  };
}

describe("view report", () => {
  it("sends a change of what is shown, not the same view twice or a resize within one step", () => {
    const sent: ViewedVideo[][] = [];
    const report = new ViewReport((videos) => sent.push(videos));
    const a = camera("alice-0123456789", 640);
    const b = camera("bob-0123456789ab", 320);
    report.report([a]);
    report.report([a]);
    report.report([{ ...a, width: 630, height: 354 }]);
    report.report([a, b]);
    report.report([b, a]);
    report.report([{ ...a, source: "screen" }, b]);
    report.report([]);
    assert.deepEqual(
      sent.map((videos) => videos.map((v) => `${v.participantId.slice(0, 3)}/${v.source}`)),
      [["ali/camera"], ["ali/camera", "bob/camera"], ["ali/screen", "bob/camera"], []],
    );
  });

  it("sends again after a reset (a new receiving connection)", () => {
    const sent: ViewedVideo[][] = [];
    const report = new ViewReport((videos) => sent.push(videos));
    report.report([]);
    report.reset();
    report.report([]);
    assert.equal(sent.length, 2);
  });
});
