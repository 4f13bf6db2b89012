/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Participant, ParticipantId } from "@conclave/protocol";
import type { RosterEntry } from "../worker/reports.ts";
import { JOINING_NAME, membersWithoutTile, mergeTracks } from "./remote-participants.ts";

const p = (id: string, leaf: number | null, name = "Server Says"): Participant =>
  ({ id: id as ParticipantId, name, leaf, audio: true, video: true }) as Participant;
const member = (leaf: number, name: string, self = false): RosterEntry => ({
  leaf,
  name,
  fingerprint: `fp${leaf}`,
  self,
  nameConfirmed: true,
  comparison: null,
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
    mids: {
      "3": { participantId: "p2", source: "microphone" },
      "4": { participantId: "p2", source: "camera" },
    },
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

test("a screen share is a tile of its own, named from the KIDs of its own m-lines", () => {
  const listed = new Map([
    ["p1", p("p1", 1)],
    ["p2", p("p2", 2)],
  ] as [ParticipantId, Participant][]);
  const track = (id: string) => ({ id, kind: "video" }) as unknown as MediaStreamTrack;
  // MediaStream does not exist in Node; a stand-in that keeps its tracks is enough here.
  (globalThis as { MediaStream?: unknown }).MediaStream ??= class {
    constructor(private readonly tracks: MediaStreamTrack[]) {}
    getTracks() {
      return this.tracks;
    }
  };
  const tracks = new Map([
    ["p1", { camera: track("c1"), screen: track("s1") }],
    ["p2", { screen: track("s2") }],
  ] as unknown as [ParticipantId, Record<string, MediaStreamTrack>][]);
  const mids = {
    "1": { participantId: "p1", source: "camera" },
    "2": { participantId: "p1", source: "screen" },
    "3": { participantId: "p2", source: "screen" },
  } as const;
  // p1's camera frames carry leaf 1; the m-line the server calls p1's screen carries leaf 3's.
  const out = mergeTracks(listed, tracks, new Map(), {
    roster,
    bindings: { "1": 1, "2": 3 },
    mids,
  });
  const p1 = out.get("p1" as ParticipantId);
  assert.equal(p1?.name, "Bo");
  assert.equal(p1?.screen?.name, "Di", "a screen is labelled by its own frames, not its m-line");
  assert.equal(p1?.screen?.leafFromMedia, true);
  assert.equal(p1?.screen?.videoStream.getTracks()[0]?.id, "s1");
  const p2 = out.get("p2" as ParticipantId);
  assert.equal(p2?.screen?.name, "Cy", "no frame yet: the sharer's own name");
  assert.equal(p2?.screen?.leafFromMedia, false);
  assert.equal(p2?.videoStream, null);
  // Kept while the track is the same, so the video element does not restart.
  const again = mergeTracks(listed, tracks, out, { roster, bindings: { "1": 1, "2": 3 }, mids });
  assert.equal(again.get("p1" as ParticipantId)?.screen?.videoStream, p1?.screen?.videoStream);
  assert.equal(
    mergeTracks(listed, new Map(), out, { roster, bindings: {}, mids }).get("p1" as ParticipantId)
      ?.screen,
    null,
  );
  // The SFU paused p1's screen and p2's camera for our link; it names a mid we do not carry too.
  const paused = mergeTracks(
    listed,
    tracks,
    out,
    { roster, bindings: {}, mids: { ...mids, "4": { participantId: "p2", source: "camera" } } },
    { paused: new Set(["2", "4", "9"]) },
  );
  assert.equal(paused.get("p1" as ParticipantId)?.screen?.paused, true);
  assert.equal(paused.get("p1" as ParticipantId)?.videoPaused, false, "the camera was not paused");
  assert.equal(paused.get("p2" as ParticipantId)?.screen?.paused, false);
  assert.equal(paused.get("p2" as ParticipantId)?.videoPaused, true);
});
