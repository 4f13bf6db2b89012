import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Roster } from "../mls/roster.ts";
import { Participants } from "./participants.ts";

/** Leaf i held by the device whose fingerprint is all `devices[i]`. */
function roster(...devices: number[]): Roster {
  return devices.map((d, leafIndex) => ({
    leafIndex,
    deviceId: `d${d}`,
    signaturePublicKey: new Uint8Array(32),
    fingerprint: new Uint8Array(32).fill(d),
  }));
}

describe("participants the server announces", () => {
  it("one that drops without a leaf is gone, so it cannot be taken for an unknown participant", () => {
    const participants = new Participants();
    participants.upsert("p-joiner", null);
    participants.upsert("p-removed", 1);
    // The commit that removed it: the server follows no leaf for it any more, then expels it.
    participants.upsert("p-removed", null);
    participants.left("p-joiner", "disconnected", 0, roster(1, 2));
    participants.left("p-removed", "disconnected", 0, roster(1, 2));
    assert.deepEqual(participants.announced(), []);
  });

  it("one that drops with a leaf keeps its place for the reconnection window, out of the announced", () => {
    const participants = new Participants();
    participants.upsert("p-member", 1);
    participants.left("p-member", "disconnected", 0, roster(1, 2));
    assert.deepEqual(participants.announced(), [], "away: it receives nothing");
    const due = participants.dueRemovals(roster(1, 2), 0, 1000, 30_000);
    assert.deepEqual(due.leaves, [], "not before the window");
    assert.equal(due.nextAt, 30_000);
    assert.deepEqual(participants.dueRemovals(roster(1, 2), 0, 30_000, 30_000).leaves, [1]);
  });

  it("once its leaf is removed, a dropped participant no longer claims the leaf a joiner refills", () => {
    const participants = new Participants();
    participants.upsert("p-gone", 1);
    participants.left("p-gone", "disconnected", 0, roster(1, 2));
    participants.dueRemovals(roster(1), 0, 40_000, 30_000); // leaf 1 removed
    participants.upsert("p-new", 1);
    const refilled = roster(1, 3);
    assert.deepEqual(participants.dueRemovals(refilled, 0, 41_000, 30_000).leaves, []);
    assert.deepEqual(participants.connectedLeaves(refilled, 0), [0, 1]);
    assert.deepEqual(participants.announced(), [{ id: "p-new", leaf: 1 }]);
  });
});
