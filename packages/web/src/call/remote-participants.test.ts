/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Participant, ParticipantId } from "@conclave/protocol";
import type { RosterEntry } from "../worker/messages.ts";
import { JOINING_NAME, membersWithoutTile, mergeTracks } from "./remote-participants.ts";

const p = (id: string, leaf: number | null, name = "Server Says"): Participant =>
  ({ id: id as ParticipantId, name, leaf, audio: true, video: true }) as Participant;
const member = (leaf: number, name: string, self = false): RosterEntry => ({
  leaf,
  name,
  fingerprint: `fp${leaf}`,
  self,
  nameConfirmed: true,
});
const roster = [member(0, "Ada", true), member(1, "Bo"), member(2, "Cy"), member(3, "Di")];

test("tiles are named from the MLS roster, by the KID-bound leaf first, never by the server", () => {
  const listed = new Map([
    ["p1", p("p1", 1)],
    // The server claims p2 is leaf 1, but p2's frames carry KIDs of leaf 2.
    ["p2", p("p2", 1)],
    ["p3", p("p3", null, "Mallory")],
  ] as [ParticipantId, Participant][]);
  const out = mergeTracks(listed, new Map(), new Map(), {
    roster,
    bindings: { "4": 2 },
    mids: { "3": "p2", "4": "p2" },
  });
  assert.equal(out.get("p1" as ParticipantId)?.name, "Bo");
  assert.equal(out.get("p2" as ParticipantId)?.name, "Cy");
  assert.equal(out.get("p2" as ParticipantId)?.leafFromMedia, true);
  assert.equal(out.get("p3" as ParticipantId)?.name, JOINING_NAME, "not a member: no name shown");
  assert.deepEqual(
    membersWithoutTile(roster, out.values()).map((r) => r.name),
    ["Di"],
    "an MLS member no participant accounts for is reported, not hidden",
  );
});

test("a participant claiming our own leaf is not given our name", () => {
  const listed = new Map([["p9", p("p9", 0)]] as [ParticipantId, Participant][]);
  const out = mergeTracks(listed, new Map(), new Map(), { roster, bindings: {}, mids: {} });
  assert.equal(out.get("p9" as ParticipantId)?.name, JOINING_NAME);
});
