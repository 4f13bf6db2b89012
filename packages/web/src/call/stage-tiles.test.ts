import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { SELF_TILE, screenKey } from "./call-monitor.ts";
import type { RemoteParticipant } from "./remote-participants.ts";
import {
  CONNECTING_VIDEO,
  NOT_IN_GROUP,
  peopleCount,
  RECONNECTING,
  type StageInput,
  stageTiles,
  VIDEO_PAUSED,
} from "./stage-tiles.ts";

// Streams are only carried through: any distinct object stands for one.
const stream = (label: string) => ({ label }) as unknown as MediaStream;
const id = (s: string) => s as ParticipantId;

function person(key: string, over: Partial<RemoteParticipant> = {}): RemoteParticipant {
  return {
    id: id(key),
    name: `Name ${key}`,
    leaf: 1,
    leafFromMedia: true,
    audio: true,
    video: true,
    videoStream: stream(`camera ${key}`),
    audioStream: null,
    screen: null,
    reconnecting: false,
    videoPaused: false,
    ...over,
  };
}

function input(over: Partial<StageInput> = {}): StageInput {
  return {
    self: {
      name: "Ada",
      videoStream: stream("own camera"),
      cameraOn: true,
      micOn: false,
      speaking: false,
      handUp: false,
      screen: null,
    },
    participants: [],
    speaking: [],
    groupStatus: "member",
    waiting: new Set(),
    hands: [],
    reactions: [],
    quality: {},
    verified: [],
    ...over,
  };
}

describe("stage tiles", () => {
  it("alone, we get one tile of our own, named as us", () => {
    const [own, ...rest] = stageTiles(input());
    assert.equal(rest.length, 0);
    assert.equal(own?.key, SELF_TILE);
    assert.equal(own?.self, true);
    assert.equal(own?.screen, false);
    assert.equal(own?.name, "Ada (you)");
    assert.equal(own?.view.label, "Ada (you)");
    assert.equal(own?.view.name, "Ada");
    assert.equal(own?.view.videoOn, true);
    assert.equal(own?.view.micOn, false);
  });

  it("order: us, our screen, then each participant followed by their screen", () => {
    const ben = person("b", {
      leaf: 2,
      screen: {
        name: "Ben",
        leaf: 2,
        leafFromMedia: true,
        videoStream: stream("ben screen"),
        audioStream: null,
        paused: false,
      },
    });
    const tiles = stageTiles(
      input({
        self: { ...input().self, screen: stream("own screen") },
        participants: [ben, person("c", { leaf: 3 })],
      }),
    );
    assert.deepEqual(
      tiles.map((t) => t.key),
      [SELF_TILE, screenKey(SELF_TILE), "b", screenKey("b"), "c"],
    );
    assert.deepEqual(
      tiles.map((t) => t.screen),
      [false, true, false, true, false],
    );
    assert.deepEqual(
      tiles.map((t) => t.self),
      [true, true, false, false, false],
    );
  });

  it("screen tiles are labelled as screens, by their own KID-bound name", () => {
    const screen = {
      name: "Ben",
      leaf: 2,
      leafFromMedia: true,
      videoStream: stream("screen"),
      audioStream: null,
      paused: false,
    };
    const tiles = stageTiles(
      input({
        self: { ...input().self, screen: stream("own screen") },
        participants: [person("b", { name: "Ben", screen })],
      }),
    );
    const own = tiles.find((t) => t.key === screenKey(SELF_TILE));
    assert.equal(own?.name, "your screen");
    assert.equal(own?.view.label, "Ada (your screen)");
    const theirs = tiles.find((t) => t.key === screenKey("b"));
    assert.equal(theirs?.name, "Ben (screen)");
    assert.equal(theirs?.view.label, "Ben (screen)");
    assert.equal(theirs?.view.videoStream, screen.videoStream);
    assert.equal(theirs?.view.videoOn, true, "a screen always shows its video");
  });

  it("a participant is named from the roster, with the state of their media", () => {
    const ben = person("b", { name: "Ben", audio: false, video: false });
    const [, tile] = stageTiles(input({ participants: [ben], speaking: [id("b")] }));
    assert.equal(tile?.name, "Ben");
    assert.equal(tile?.view.label, "Ben");
    assert.equal(tile?.view.micOn, false);
    assert.equal(tile?.view.videoOn, false);
    assert.equal(tile?.view.speaking, true);
    assert.equal(tile?.view.status, null);
  });

  it("reconnecting, joining and connecting states", () => {
    const status = (p: RemoteParticipant, groupStatus: StageInput["groupStatus"] = "member") =>
      stageTiles(input({ participants: [p], groupStatus }))[1]?.view.status;
    assert.equal(status(person("b", { reconnecting: true })), RECONNECTING);
    assert.equal(status(person("b", { reconnecting: true, leaf: null })), RECONNECTING);
    assert.equal(status(person("b", { leaf: null })), NOT_IN_GROUP);
    // While we are not in the group ourselves, the banner says so: no nameless tile at all.
    assert.equal(status(person("b", { leaf: null }), "joining"), undefined);
    assert.equal(status(person("b", { videoStream: null })), CONNECTING_VIDEO);
    assert.equal(status(person("b", { videoStream: null, video: false })), null);
    assert.equal(status(person("b", { videoPaused: true })), VIDEO_PAUSED);
    assert.equal(status(person("b", { videoPaused: true, reconnecting: true })), RECONNECTING);
  });

  it("a screen share the SFU paused for our link says so on its own tile", () => {
    const screen = { name: "Ben", leaf: 2, leafFromMedia: true, audioStream: null };
    const tilesOf = (paused: boolean) =>
      stageTiles(
        input({
          participants: [
            person("b", { screen: { ...screen, videoStream: stream("screen"), paused } }),
          ],
        }),
      );
    assert.equal(tilesOf(true)[2]?.view.status, VIDEO_PAUSED);
    assert.equal(tilesOf(true)[1]?.view.status, null, "their camera still moves");
    assert.equal(tilesOf(false)[2]?.view.status, null);
  });

  it("hands, reactions and quality go to the tile of the leaf that sent them", () => {
    const tiles = stageTiles(
      input({
        self: { ...input().self, handUp: true },
        participants: [person("b", { leaf: 2 }), person("c", { leaf: 3 })],
        hands: [
          { key: "own", name: "You", leaf: 0, self: true, at: 1 },
          { key: "2", name: "Ben", leaf: 2, self: false, at: 2 },
        ],
        reactions: [
          { id: 1, leaf: null, emoji: "🎉" },
          { id: 2, leaf: 3, emoji: "👍" },
        ],
        quality: { [SELF_TILE]: "good", c: "poor" },
      }),
    );
    const [own, ben, cy] = tiles;
    assert.equal(own?.view.hand, true);
    assert.equal(ben?.view.hand, true);
    assert.equal(cy?.view.hand, false);
    assert.deepEqual(
      own?.view.reactions?.map((r) => r.emoji),
      ["🎉"],
    );
    assert.deepEqual(ben?.view.reactions, []);
    assert.deepEqual(
      cy?.view.reactions?.map((r) => r.emoji),
      ["👍"],
    );
    assert.equal(own?.view.quality, "good");
    assert.equal(ben?.view.quality, null);
    assert.equal(cy?.view.quality, "poor");
  });

  it("a participant not yet in the group has no hand and no reactions", () => {
    const [, tile] = stageTiles(
      input({
        participants: [person("b", { leaf: null })],
        reactions: [{ id: 1, leaf: null, emoji: "🎉" }],
      }),
    );
    assert.equal(tile?.view.hand, false);
    assert.deepEqual(tile?.view.reactions, [], "our own reactions stay on our tile");
  });

  it("someone waiting to be let in is a waiting card, not a tile, and is not counted", () => {
    const waiting = person("w", { leaf: null });
    const unknown = person("u", { leaf: null });
    const tiles = stageTiles(
      input({ participants: [person("b"), waiting, unknown], waiting: new Set([id("w")]) }),
    );
    assert.deepEqual(
      tiles.map((t) => t.key),
      [SELF_TILE, id("b"), id("u")],
      "the device nobody knows keeps its tile (its alarm names it); the waiting one has none",
    );
    assert.equal(peopleCount([person("b"), waiting, unknown], "member"), 2);
    assert.equal(peopleCount([person("b")], "joining"), null, "outside the group: no count");
  });

  it("marks the tile of a member this device verified, by leaf, and no one else's", () => {
    const tiles = stageTiles(
      input({
        participants: [
          person("b", { leaf: 2 }),
          person("c", { leaf: 3 }),
          person("d", { leaf: null }),
        ],
        verified: [2],
      }),
    );
    assert.deepEqual(
      tiles.map((t) => [t.name, t.view.verified ?? false]),
      [
        ["Ada (you)", false],
        ["Name b", true],
        ["Name c", false],
        ["Name d", false],
      ],
    );
  });
});
