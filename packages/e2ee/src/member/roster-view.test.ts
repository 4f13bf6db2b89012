import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Roster, RosterEntry } from "../mls/roster.ts";
import { rosterDiff } from "./roster-view.ts";

/** Leaf `leafIndex` held by device `device`, its leaf node made with HPKE key `key`. */
const entry = (leafIndex: number, device: number, key: number, fromKeyPackage: boolean) =>
  ({
    leafIndex,
    deviceId: `d${device}`,
    signaturePublicKey: new Uint8Array(32).fill(device),
    fingerprint: new Uint8Array(32).fill(device),
    hpkeKey: new Uint8Array(32).fill(key),
    fromKeyPackage,
  }) satisfies RosterEntry;

describe("roster diff", () => {
  const before: Roster = [entry(0, 1, 10, false), entry(1, 2, 20, false)];

  it("sees a new device, a departed one and a leaf that changed hands", () => {
    assert.deepEqual(rosterDiff(before, [entry(0, 1, 10, false), entry(2, 3, 30, true)]), {
      added: [2],
      removed: [1],
    });
    assert.deepEqual(rosterDiff(before, [entry(0, 1, 10, false), entry(1, 3, 30, true)]), {
      added: [1],
      removed: [1],
    });
  });

  it("an update is no change of member, nor is a joiner's leaf before its first update", () => {
    assert.deepEqual(rosterDiff(before, [entry(0, 1, 11, false), entry(1, 2, 20, false)]), {
      added: [],
      removed: [],
    });
    const joined: Roster = [...before, entry(2, 3, 30, true)];
    assert.deepEqual(rosterDiff(joined, joined), { added: [], removed: [] });
  });

  it("a device removed and added again at its leaf in one commit is a new member", () => {
    // Same fingerprint, but its leaf comes from a new KeyPackage: it cannot read what was said.
    assert.deepEqual(rosterDiff(before, [entry(0, 1, 10, false), entry(1, 2, 21, true)]), {
      added: [1],
      removed: [1],
    });
  });

  it("a rollback that brings back a leaf from before its update changes no member", () => {
    const updated: Roster = [entry(0, 1, 11, false)];
    const kept: Roster = [entry(0, 1, 10, true)];
    assert.deepEqual(rosterDiff(updated, kept, "rollback"), { added: [], removed: [] });
  });
});
