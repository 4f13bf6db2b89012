import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Roster } from "../mls/roster.ts";
import {
  announced,
  connectedLeaves,
  dueRemovals,
  leavesChangedHands,
  NO_PARTICIPANTS,
  type Participants,
  participantGoodbye,
  participantLeft,
  upsertParticipant,
} from "./participants.ts";

/** Leaf i held by the device whose fingerprint is all `devices[i]`. */
function roster(...devices: number[]): Roster {
  return devices.map((d, leafIndex) => ({
    leafIndex,
    deviceId: `d${d}`,
    signaturePublicKey: new Uint8Array(32),
    fingerprint: new Uint8Array(32).fill(d),
    hpkeKey: new Uint8Array(32),
    fromKeyPackage: false,
  }));
}

/** Threads the record from one call to the next, as the engine does with its state. */
function tracked() {
  let p: Participants = NO_PARTICIPANTS;
  return {
    upsert(id: string, leaf: number | null) {
      p = upsertParticipant(p, id, leaf);
    },
    left(id: string, now: number, list: Roster) {
      p = participantLeft(p, id, now, list);
    },
    goodbye(leaf: number, now: number, list: Roster) {
      const entry = list.find((e) => e.leafIndex === leaf);
      if (entry !== undefined) p = participantGoodbye(p, entry, now);
    },
    announced: () => announced(p),
    dueRemovals(list: Roster, ownLeaf: number, now: number, windowMs: number) {
      const checked = dueRemovals(p, list, ownLeaf, now, windowMs);
      p = checked.participants;
      return checked.due;
    },
    connectedLeaves: (list: Roster, ownLeaf: number) => connectedLeaves(p, list, ownLeaf),
    /** An epoch in which `leaves` changed hands (roster-view.ts rosterDiff `removed`). */
    epoch(leaves: readonly number[]) {
      p = leavesChangedHands(p, leaves);
    },
  };
}

describe("participants the server announces", () => {
  it("one that drops without a leaf is gone, so it cannot be taken for an unknown participant", () => {
    const participants = tracked();
    participants.upsert("p-joiner", null);
    participants.upsert("p-removed", 1);
    // The commit that removed it: the server follows no leaf for it any more, then expels it.
    participants.upsert("p-removed", null);
    participants.left("p-joiner", 0, roster(1, 2));
    participants.left("p-removed", 0, roster(1, 2));
    assert.deepEqual(participants.announced(), []);
  });

  it("one that drops with a leaf keeps its place for the reconnection window, out of the announced", () => {
    const participants = tracked();
    participants.upsert("p-member", 1);
    participants.left("p-member", 0, roster(1, 2));
    assert.deepEqual(participants.announced(), [], "away: it receives nothing");
    const due = participants.dueRemovals(roster(1, 2), 0, 1000, 30_000);
    assert.deepEqual(due.leaves, [], "not before the window");
    assert.equal(due.nextAt, 30_000);
    assert.deepEqual(participants.dueRemovals(roster(1, 2), 0, 30_000, 30_000).leaves, [1]);
  });

  it("once its leaf is removed, a dropped participant no longer claims the leaf a joiner refills", () => {
    const participants = tracked();
    participants.upsert("p-gone", 1);
    participants.left("p-gone", 0, roster(1, 2));
    participants.dueRemovals(roster(1), 0, 40_000, 30_000); // leaf 1 removed
    participants.upsert("p-new", 1);
    const refilled = roster(1, 3);
    assert.deepEqual(participants.dueRemovals(refilled, 0, 41_000, 30_000).leaves, []);
    assert.deepEqual(participants.connectedLeaves(refilled, 0), [0, 1]);
    assert.deepEqual(participants.announced(), [{ id: "p-new", leaf: 1 }]);
  });

  it("a member the server says left keeps its place for the window: only its own goodbye removes it at once", () => {
    const participants = tracked();
    participants.upsert("p-member", 1);
    participants.left("p-member", 0, roster(1, 2));
    assert.deepEqual(participants.dueRemovals(roster(1, 2), 0, 1000, 30_000).leaves, []);
    participants.goodbye(1, 2000, roster(1, 2));
    assert.deepEqual(participants.dueRemovals(roster(1, 2), 0, 2000, 30_000).leaves, [1]);
  });

  it("a goodbye counts for the device that said it, not for a later holder of its leaf", () => {
    const participants = tracked();
    participants.goodbye(1, 0, roster(1, 2));
    participants.upsert("p-new", 1);
    assert.deepEqual(participants.dueRemovals(roster(1, 3), 0, 1000, 30_000).leaves, []);
  });

  // A member whose commit is in flight makes no commit-duty decision, so nothing pruned the
  // goodbye while the leaf was empty: seen as a rejoiner removed by the others under load.
  it("a person who left and rejoined on the same device, refilling their leaf, is not removed for the goodbye", () => {
    const participants = tracked();
    participants.upsert("p-before", 1);
    participants.goodbye(1, 0, roster(1, 2));
    participants.left("p-before", 0, roster(1, 2));
    participants.epoch([1]); // another member's commit removed leaf 1
    participants.upsert("p-again", null);
    participants.epoch([1]); // the Add put the same device back in leaf 1
    participants.upsert("p-again", 1);
    assert.deepEqual(participants.dueRemovals(roster(1, 2), 0, 1000, 30_000).leaves, []);
    assert.deepEqual(participants.connectedLeaves(roster(1, 2), 0), [0, 1]);
  });

  it("a participant that dropped no longer claims its leaf once the same device is back in it", () => {
    const participants = tracked();
    participants.upsert("p-before", 1);
    participants.left("p-before", 0, roster(1, 2));
    participants.epoch([1]); // removed after the window, then refilled by the same device
    participants.upsert("p-again", 1);
    assert.deepEqual(participants.dueRemovals(roster(1, 2), 0, 90_000, 30_000).leaves, []);
    assert.deepEqual(participants.announced(), [{ id: "p-again", leaf: 1 }]);
  });

  it("every change returns a new record and leaves the one it got as it was", () => {
    const one = upsertParticipant(NO_PARTICIPANTS, "p-member", 1);
    const away = participantLeft(one, "p-member", 0, roster(1, 2));
    assert.deepEqual(announced(one), [{ id: "p-member", leaf: 1 }]);
    assert.deepEqual(announced(away), []);
    const unclaimed = dueRemovals(away, roster(1, 2, 3), 0, 5, 30_000);
    assert.equal(away.unclaimedSince.size, 0);
    assert.equal(unclaimed.participants.unclaimedSince.size, 1, "leaf 2 has nobody");
    assert.deepEqual(NO_PARTICIPANTS.byId, new Map());
  });
});
