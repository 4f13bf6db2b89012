import assert from "node:assert/strict";
import { test } from "node:test";
import type { RosterEntry } from "../worker/reports.ts";
import { handsOfMembers, orderHands, type RaisedHand } from "./hand-queue.ts";

const member = (leaf: number, name: string, fingerprint = `fp${leaf}`): RosterEntry => ({
  leaf,
  name,
  fingerprint,
  self: false,
  nameConfirmed: true,
  comparison: null,
});
const roster = [
  { ...member(0, "Ada"), self: true },
  member(1, "Bob"),
  member(2, "Cy"),
  member(3, "Dee"),
];
const hands = (...list: RaisedHand[]) => new Map(list.map((h) => [h.leaf, h]));

test("the queue is in the order hands were raised, ties by leaf, with our own hand in place", () => {
  const raised = hands(
    { leaf: 3, fingerprint: "fp3", at: 3000 },
    { leaf: 1, fingerprint: "fp1", at: 1000 },
    { leaf: 2, fingerprint: "fp2", at: 3000 },
  );
  const queue = orderHands(raised, { leaf: 0, at: 2000 }, roster);
  assert.deepEqual(
    queue.map((h) => `${h.name}${h.self ? "*" : ""}`),
    ["Bob", "You*", "Cy", "Dee"],
  );
  assert.deepEqual(
    orderHands(raised, { leaf: 0, at: null }, roster).map((h) => h.name),
    ["Bob", "Cy", "Dee"],
  );
});

test("a hand goes with its member, and a new occupant of the leaf does not inherit it", () => {
  const raised = hands(
    { leaf: 1, fingerprint: "fp1", at: 1000 },
    { leaf: 2, fingerprint: "fp2", at: 2000 },
    { leaf: 3, fingerprint: "fp3", at: 3000 },
  );
  const after = [roster[0], member(1, "Bob"), member(3, "Eve", "fp-eve")].filter(
    (r): r is RosterEntry => r !== undefined,
  );
  assert.deepEqual([...handsOfMembers(raised, after).keys()], [1]);
});
