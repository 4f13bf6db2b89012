import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Roster } from "../mls/roster.ts";
import { type DutyInput, planCommit } from "./commit-duty.ts";

const key = (n: number) => new Uint8Array(32).fill(n);
const roster: Roster = [0, 1, 2].map((leafIndex) => ({
  leafIndex,
  displayName: `m${leafIndex}`,
  deviceId: `d${leafIndex}`,
  signaturePublicKey: key(leafIndex + 1),
  fingerprint: key(leafIndex + 100),
  hpkeKey: key(leafIndex + 200),
  fromKeyPackage: false,
}));
const hex = (n: number) => Array.from(key(n), (b) => b.toString(16).padStart(2, "0")).join("");

const base: DutyInput = {
  now: 10_000,
  ownLeaf: 0,
  roster,
  rank: 0,
  failoverMs: 2000,
  retryAfter: 0,
  dueRemovals: [],
  removalsSince: undefined,
  candidates: [],
  rekeySince: undefined,
  nextSelfUpdate: 50_000,
  promotionSince: undefined,
  ownWork: false,
};

describe("commit duty", () => {
  it("the duty holder adds a pending KeyPackage at once; rank r waits r failover delays", () => {
    const candidates = [{ since: 10_000, signatureKey: hex(9) }];
    assert.deepEqual(planCommit({ ...base, candidates }), { act: "add" });
    assert.deepEqual(planCommit({ ...base, candidates, rank: 2 }), { act: "wait", until: 14_000 });
    assert.deepEqual(planCommit({ ...base, candidates, rank: 2, now: 14_000 }), { act: "add" });
  });

  it("removals go before adds, and a rejoining device's old leaf is removed first", () => {
    const candidates = [{ since: 10_000, signatureKey: hex(3) }]; // leaf 2's key
    assert.deepEqual(planCommit({ ...base, candidates }), { act: "remove", leaves: [2] });
    assert.deepEqual(planCommit({ ...base, candidates, dueRemovals: [1], removalsSince: 9000 }), {
      act: "remove",
      leaves: [1, 2],
    });
  });

  it("the self-update waits for its time and while other work is pending", () => {
    assert.deepEqual(planCommit(base), { act: "wait", until: 50_000 });
    assert.deepEqual(planCommit({ ...base, now: 50_000 }), { act: "update" });
    const candidates = [{ since: 50_000, signatureKey: hex(9) }];
    assert.deepEqual(planCommit({ ...base, now: 50_000, rank: 1, candidates }), {
      act: "wait",
      until: 52_000,
    });
  });

  it("after a refusal or failure nothing is committed before retryAfter", () => {
    assert.deepEqual(planCommit({ ...base, now: 50_000, retryAfter: 51_000 }), {
      act: "wait",
      until: 51_000,
    });
  });

  it("a rollback asks the duty holder for a fresh epoch", () => {
    assert.deepEqual(planCommit({ ...base, rekeySince: 10_000 }), { act: "update" });
  });

  it("our own request (a lock, a lobby admission) goes at once whatever our rank, after removals", () => {
    assert.deepEqual(planCommit({ ...base, rank: 3, ownWork: true }), { act: "own" });
    assert.deepEqual(planCommit({ ...base, rank: 3, ownWork: true, retryAfter: 12_000 }), {
      act: "wait",
      until: 12_000,
    });
    const removals = { dueRemovals: [1], removalsSince: 9000 };
    assert.deepEqual(planCommit({ ...base, ...removals, ownWork: true }), {
      act: "remove",
      leaves: [1],
    });
    assert.deepEqual(planCommit({ ...base, ...removals, rank: 2, ownWork: true }), { act: "own" });
  });

  it("with no host left, the duty holder promotes the successor before adding anyone", () => {
    const candidates = [{ since: 10_000, signatureKey: hex(9) }];
    assert.deepEqual(planCommit({ ...base, candidates, promotionSince: 10_000 }), {
      act: "promote",
    });
    assert.deepEqual(planCommit({ ...base, promotionSince: 10_000, rank: 1 }), {
      act: "wait",
      until: 12_000,
    });
  });
});
