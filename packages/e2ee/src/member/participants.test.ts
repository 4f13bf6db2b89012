import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Participants } from "./participants.ts";

describe("participants the server announces", () => {
  it("one that drops without a leaf is gone, so it cannot be taken for an unknown participant", () => {
    const participants = new Participants();
    participants.upsert("p-joiner", null);
    participants.upsert("p-removed", 1);
    // The commit that removed it: the server follows no leaf for it any more, then expels it.
    participants.upsert("p-removed", null);
    participants.left("p-joiner", "disconnected", 0, undefined);
    participants.left("p-removed", "disconnected", 0, undefined);
    assert.deepEqual(participants.announced(), []);
  });

  it("one that drops with a leaf keeps its place for the reconnection window", () => {
    const participants = new Participants();
    participants.upsert("p-member", 1);
    participants.left("p-member", "disconnected", 0, undefined);
    assert.deepEqual(participants.announced(), [{ id: "p-member", leaf: 1 }]);
  });
});
