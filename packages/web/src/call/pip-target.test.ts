import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pipTarget } from "./pip-target.ts";
import type { StageTile } from "./stage-tiles.ts";

const stream = (label: string) => ({ label }) as unknown as MediaStream;

function tile(key: string, over: Partial<StageTile> = {}): StageTile {
  return {
    key,
    name: key,
    self: false,
    screen: false,
    view: { label: key, name: key, videoStream: stream(key), videoOn: true, micOn: true },
    ...over,
  };
}

const me = tile("me", { self: true });
const ben = tile("ben");
const cy = tile("cy");
const cyScreen = tile("cy-screen", { screen: true });

describe("picture-in-picture target", () => {
  it("shows the active speaker", () => {
    assert.equal(pipTarget([me, ben, cy], "cy", null)?.key, "cy");
  });

  it("a pinned tile wins over the speaker", () => {
    assert.equal(pipTarget([me, ben, cy], "cy", "ben")?.key, "ben");
  });

  it("with no speaker yet: someone's screen, else the first other participant, else ourselves", () => {
    assert.equal(pipTarget([me, ben, cy, cyScreen], null, null)?.key, "cy-screen");
    assert.equal(pipTarget([me, ben, cy], null, null)?.key, "ben");
    assert.equal(pipTarget([me], null, null)?.key, "me");
    assert.equal(pipTarget([], null, null), null);
  });

  it("a speaker or pin that left falls back as if there were none", () => {
    assert.equal(pipTarget([me, ben], "gone", "gone too")?.key, "ben");
  });

  it("says whether there is video to show, and what it is called", () => {
    const off = tile("dee", { view: { ...ben.view, label: "Dee", videoOn: false } });
    assert.deepEqual(pipTarget([me, off], "dee", null), {
      key: "dee",
      label: "Dee",
      stream: off.view.videoStream,
      video: false,
    });
  });
});
