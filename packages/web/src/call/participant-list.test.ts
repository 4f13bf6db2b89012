import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Participant, ParticipantId } from "@conclave/protocol";
import type { RosterEntry } from "../worker/reports.ts";
import { ParticipantList } from "./participant-list.ts";

const member = (leaf: number, name: string, self = false): RosterEntry => ({
  leaf,
  name,
  fingerprint: `fp${leaf}`,
  self,
  nameConfirmed: true,
  comparison: null,
});
const person = (id: string, leaf: number | null): Participant =>
  ({
    id: id as ParticipantId,
    name: "server says",
    leaf,
    audio: true,
    video: false,
  }) as Participant;

function list(roster: RosterEntry[]) {
  const said: string[] = [];
  const group = { roster, bindings: {} };
  const people = new ParticipantList({
    group: () => group,
    tracks: () => new Map(),
    mids: () => ({}),
    paused: () => new Set(),
    announce: (text) => said.push(text),
  });
  return { people, said, group };
}

describe("the participant list", () => {
  it("names everyone from the MLS roster, and counts us in", () => {
    const { people } = list([member(0, "Ada", true), member(1, "Bo")]);
    people.welcome([person("p1", 1), person("p2", null)]);
    assert.deepEqual(
      people.state.participants.map((p) => p.name),
      ["Bo", "Joining…"],
    );
    assert.equal(people.count, 3);
    assert.deepEqual(people.state.membersWithoutTile, []);
  });

  it("a dropped connection with a leaf is shown as reconnecting, and said so by name", () => {
    const { people, said } = list([member(0, "Ada", true), member(1, "Bo")]);
    people.welcome([person("p1", 1)]);
    people.left("p1" as ParticipantId, "disconnected");
    assert.deepEqual(
      people.state.participants.map((p) => [p.name, p.reconnecting]),
      [["Bo", true]],
    );
    assert.deepEqual(said, ["Bo lost their connection. Reconnecting…"]);
    assert.equal(people.listedByServer.size, 0, "stats follow the server's list");
    people.joined(person("p1", 1));
    assert.deepEqual(
      people.state.participants.map((p) => [p.name, p.reconnecting]),
      [["Bo", false]],
    );
  });

  it("a reconnecting participant goes once the group removed their leaf", () => {
    const { people, group } = list([member(0, "Ada", true), member(1, "Bo")]);
    people.welcome([person("p1", 1)]);
    people.left("p1" as ParticipantId, "disconnected");
    group.roster = [member(0, "Ada", true)];
    people.publish();
    assert.deepEqual(people.state.participants, []);
  });

  it("one admitted while away is shown reconnecting once the Add that gave them a leaf is applied", () => {
    const { people, group } = list([member(0, "Ada", true)]);
    people.welcome([]);
    // The server tells of the knock admitted while its connection is away before our engine has
    // applied the commit that adds it.
    people.joined(person("p1", 1));
    people.left("p1" as ParticipantId, "disconnected");
    group.roster = [member(0, "Ada", true), member(1, "Kim")];
    people.publish();
    assert.deepEqual(
      people.state.participants.map((p) => [p.name, p.reconnecting]),
      [["Kim", true]],
    );
    assert.deepEqual(people.state.membersWithoutTile, [], "no alarm: Kim has a tile");
    group.roster = [member(0, "Ada", true)];
    people.publish();
    assert.deepEqual(people.state.participants, [], "gone once the group removed the leaf");
  });

  it("someone who leaves is said to have left, by their name from the roster", () => {
    const { people, said } = list([member(0, "Ada", true), member(1, "Bo")]);
    people.welcome([person("p1", 1), person("p2", null)]);
    people.left("p1" as ParticipantId, "left");
    assert.deepEqual(said, ["Bo left"]);
    // Without a leaf, a dropped connection has no place held: gone at once.
    people.left("p2" as ParticipantId, "disconnected");
    assert.deepEqual(people.state.participants, []);
  });

  it("a member no listed participant accounts for is shown as such", () => {
    const { people } = list([member(0, "Ada", true), member(1, "Bo"), member(2, "Cy")]);
    people.welcome([person("p1", 1)]);
    assert.deepEqual(
      people.state.membersWithoutTile.map((r) => r.name),
      ["Cy"],
    );
  });

  it("a connection's end forgets what it listed, but the tiles stay until hidden", () => {
    const { people } = list([member(0, "Ada", true), member(1, "Bo")]);
    people.welcome([person("p1", 1)]);
    people.forget();
    assert.equal(people.state.participants.length, 1);
    people.hide();
    assert.deepEqual(people.state.participants, []);
  });
});
