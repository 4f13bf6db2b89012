/// <reference types="node" />
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ViewedVideo } from "@conclave/protocol";
import { ViewReport } from "./visible-videos.ts";

describe("view report", () => {
  it("sends a change of what is shown, not the same view twice or a resize within one step", () => {
    const sent: ViewedVideo[][] = [];
    const report = new ViewReport((videos) => sent.push(videos));
    const a = { mid: "1", width: 640, height: 360 };
    report.report([a]);
    report.report([a]);
    report.report([{ ...a, width: 630, height: 354 }]);
    report.report([a, { mid: "3", width: 320, height: 180 }]);
    report.report([{ mid: "3", width: 320, height: 180 }, a]);
    report.report([]);
    assert.deepEqual(
      sent.map((videos) => videos.map((v) => v.mid)),
      [["1"], ["1", "3"], []],
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
