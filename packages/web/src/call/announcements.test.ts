import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GroupView, RosterEntry } from "../worker/reports.ts";
import { Announcements } from "./announcements.ts";

const member = (leaf: number, name: string, self = false): RosterEntry => ({
  leaf,
  name,
  fingerprint: `fp${leaf}`,
  self,
  nameConfirmed: true,
  comparison: null,
});
const group = (over: Partial<GroupView>): GroupView => ({
  status: "member",
  epoch: "1",
  ownLeaf: 0,
  securityCode: null,
  ciphersuite: null,
  roster: [member(0, "Ada", true)],
  failure: null,
  removedBy: null,
  ...over,
});

describe("announcements", () => {
  it("the same words said twice still change the live region", () => {
    const a = new Announcements();
    a.say("Reconnected");
    const first = a.state.announcement;
    a.say("Reconnected");
    assert.notEqual(a.state.announcement, first);
    assert.equal(a.state.announcement.trim(), "Reconnected");
  });

  it("members who join are named once we are in the group; our own entry is said", () => {
    const a = new Announcements();
    const joining = group({ status: "joining", roster: [] });
    const inside = group({ roster: [member(0, "Ada", true), member(1, "Bo")] });
    a.groupChanged(joining, inside);
    assert.equal(
      a.state.announcement,
      "You are in the encrypted group. Media is end-to-end encrypted.",
    );
    a.groupChanged(inside, group({ roster: [...inside.roster, member(2, "Cy"), member(3, "Di")] }));
    assert.equal(a.state.announcement.trim(), "Cy, Di joined");
  });

  it("a new security code goes to its own live region", () => {
    const a = new Announcements();
    a.groupChanged(group({}), group({ securityCode: "12345 67890" }));
    assert.equal(a.state.securityAnnouncement, "Security code is now 12345 67890");
    assert.equal(a.state.announcement, "");
  });

  it("a joiner is named once its hello is in, never as “Joining…”; those already here are not news", () => {
    const a = new Announcements();
    const inside = group({ roster: [member(0, "Ada", true), member(1, "Bo")] });
    a.groupChanged(group({ status: "joining", roster: [] }), inside);
    const unnamed = { ...member(2, "Joining…"), nameConfirmed: false };
    const added = group({ roster: [...inside.roster, unnamed] });
    a.groupChanged(inside, added);
    assert.equal(a.state.notices.length, 0, "no notice before the name");
    a.groupChanged(added, group({ roster: [...inside.roster, member(2, "Cy")] }));
    assert.deepEqual(
      a.state.notices.map((n) => [n.kind, n.text]),
      [["joined", "Cy joined"]],
    );
    a.groupChanged(added, group({ roster: [...inside.roster, member(2, "Cy")] }));
    assert.equal(a.state.notices.length, 1, "said once");
  });

  it("a new host or co-host and the lock are notices; the roles found on entry are not", () => {
    const a = new Announcements();
    const roster = [member(0, "Ada", true), member(1, "Bo")];
    const roles = {
      hosts: ["fp1"],
      coHosts: [],
      denied: [],
      lobbyMandatory: false,
      knockingEnabled: true,
      locked: false,
    };
    a.rolesChanged(null, roles, roster);
    assert.equal(a.state.notices.length, 0);
    a.rolesChanged(roles, { ...roles, coHosts: ["fp0"], locked: true }, roster);
    a.rolesChanged(roles, { ...roles, hosts: ["fp0"] }, roster);
    assert.deepEqual(
      a.state.notices.map((n) => n.text),
      [
        "You are now a co-host",
        "The meeting is locked: nobody new can join",
        "You are now the host",
      ],
    );
  });
});
