// Host commands (mute, ask to unmute, mute everyone, end the meeting): who may send which, checked
// by every receiver against the roles in the group context, and end to end through the engine.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Fingerprint } from "../admission/fingerprint.ts";
import { foundingRoles } from "../admission/meeting-roles.ts";
import { TestMeeting, type TestParticipant } from "../testing/test-meeting.ts";
import type { MemberEvents, SecurityEvent } from "./events.ts";
import { judgeHostCommand, mayCommand } from "./host-commands.ts";
import type { MlsClientMessage } from "./meeting-member.ts";

const HOST = "a".repeat(64) as Fingerprint;
const CO = "b".repeat(64) as Fingerprint;
const ME = "c".repeat(64) as Fingerprint;
const OTHER = "d".repeat(64) as Fingerprint;
const ROLES = { ...foundingRoles(HOST), coHosts: [CO] };

function get(meeting: TestMeeting, name: string): TestParticipant {
  const p = meeting.participants.get(name);
  assert.ok(p, name);
  return p;
}

function fingerprintOf(meeting: TestMeeting, name: string): string {
  return get(meeting, name).member.roster.find((r) => r.self)?.fingerprint ?? "";
}

function commandsOf(p: TestParticipant): MemberEvents["host-command"][] {
  const heard: MemberEvents["host-command"][] = [];
  p.member.on("host-command", (e) => heard.push(e));
  return heard;
}

function securityLog(p: TestParticipant): SecurityEvent[] {
  const log: SecurityEvent[] = [];
  p.member.on("security", (e) => log.push(e));
  return log;
}

describe("host commands: who may send which", () => {
  it("hosts and co-hosts mute and ask to unmute; only a host ends the meeting", () => {
    assert.ok(mayCommand("host", "mute") && mayCommand("co-host", "mute"));
    assert.ok(mayCommand("co-host", "ask-unmute") && mayCommand("co-host", "mute-all"));
    assert.ok(mayCommand("host", "end-meeting"));
    assert.ok(!mayCommand("co-host", "end-meeting"));
    for (const t of ["ask-unmute", "mute", "mute-all", "end-meeting"] as const) {
      assert.ok(!mayCommand("member", t), t);
    }
  });

  it("a receiver acts on a command for it, or for everyone, from a host or co-host", () => {
    assert.deepEqual(judgeHostCommand(ROLES, HOST, ME, { t: "mute", to: ME }), {
      kind: "act",
      command: "mute",
    });
    assert.deepEqual(judgeHostCommand(ROLES, CO, ME, { t: "ask-unmute", to: ME }), {
      kind: "act",
      command: "ask-unmute",
    });
    assert.deepEqual(judgeHostCommand(ROLES, CO, ME, { t: "mute-all" }), {
      kind: "act",
      command: "mute",
    });
    assert.deepEqual(judgeHostCommand(ROLES, HOST, ME, { t: "end-meeting" }), {
      kind: "act",
      command: "end-meeting",
    });
    assert.deepEqual(judgeHostCommand(ROLES, HOST, ME, { t: "mute", to: OTHER }), {
      kind: "not-for-us",
    });
  });

  it("a command from a role that may not send it is refused, whoever it names", () => {
    for (const message of [
      { t: "mute", to: ME },
      { t: "ask-unmute", to: ME },
      { t: "mute", to: OTHER },
      { t: "mute-all" },
      { t: "end-meeting" },
    ] as const) {
      assert.equal(judgeHostCommand(ROLES, OTHER, ME, message).kind, "refused", message.t);
    }
    assert.equal(judgeHostCommand(ROLES, CO, ME, { t: "end-meeting" }).kind, "refused");
  });
});

describe("host commands through the engine", () => {
  it("a host's commands reach the member they name, or everyone; a member can send none", async () => {
    const meeting = new TestMeeting();
    for (const name of ["ada", "bob", "cy"]) await meeting.connect(name);
    await meeting.converge(10_000);
    const ada = get(meeting, "ada").member;
    const bob = get(meeting, "bob");
    const cy = get(meeting, "cy");
    const bobHeard = commandsOf(bob);
    const cyHeard = commandsOf(cy);
    assert.equal(await ada.askToUnmute(fingerprintOf(meeting, "bob")), true);
    assert.equal(await ada.muteMember(fingerprintOf(meeting, "bob")), true);
    assert.equal(await ada.muteMember(fingerprintOf(meeting, "ada")), false, "not ourselves");
    assert.equal(await ada.muteMember("ab".repeat(32)), false, "nobody here");
    assert.equal(await ada.muteEveryone(), true);
    assert.equal(await cy.member.muteMember(fingerprintOf(meeting, "bob")), false);
    assert.equal(await cy.member.askToUnmute(fingerprintOf(meeting, "bob")), false);
    assert.equal(await cy.member.muteEveryone(), false);
    assert.equal(await cy.member.endMeeting(), false);
    assert.equal(await ada.endMeeting(), true);
    await meeting.settle();
    assert.deepEqual(
      bobHeard.map((e) => `${e.sender} ${e.command}`),
      ["0 ask-unmute", "0 mute", "0 mute", "0 end-meeting"],
    );
    assert.deepEqual(
      cyHeard.map((e) => `${e.sender} ${e.command}`),
      ["0 mute", "0 end-meeting"],
    );
    for (const p of meeting.present) assert.deepEqual(p.errors, [], p.name);
    meeting.close();
  });

  it("a mute and an end-meeting from a member are refused by every receiver as security events", async () => {
    // Cy is a co-host when its client seals the commands, and a member again when they arrive: a
    // modified client that skips its own checks looks the same to the receivers.
    const meeting = new TestMeeting();
    for (const name of ["ada", "bob"]) await meeting.connect(name);
    const held: MlsClientMessage[] = [];
    let holding = false;
    const cy = await meeting.connect("cy", {
      send: (message) => {
        if (holding && message.type === "mls-message") held.push(message);
        else meeting.ds.send(get(meeting, "cy").id, message as MlsClientMessage);
      },
    });
    await meeting.converge(10_000);
    const ada = get(meeting, "ada");
    const bob = get(meeting, "bob");
    assert.equal(await ada.member.makeCoHost(fingerprintOf(meeting, "cy"), true), true);
    await meeting.until(
      () => bob.member.roster.some((r) => r.displayName === "cy" && r.role === "co-host"),
      5000,
      "co-host",
    );
    await meeting.converge(10_000);
    holding = true;
    assert.equal(await cy.member.muteMember(fingerprintOf(meeting, "bob")), true);
    assert.equal(await cy.member.muteEveryone(), true);
    holding = false;
    assert.equal(held.length, 2);
    assert.equal(await ada.member.makeCoHost(fingerprintOf(meeting, "cy"), false), true);
    await meeting.until(
      () => bob.member.roster.some((r) => r.displayName === "cy" && r.role === "member"),
      5000,
      "demoted",
    );
    await meeting.converge(10_000);
    const heard = [commandsOf(ada), commandsOf(bob)];
    const logs = [securityLog(ada), securityLog(bob)];
    const before = bob.member.stats.securityEvents;
    for (const message of held) meeting.ds.send(cy.id, message);
    await meeting.settle();
    assert.deepEqual(heard, [[], []], "nobody muted");
    const cyFingerprint = fingerprintOf(meeting, "cy");
    for (const log of logs) {
      assert.deepEqual(
        log.map((e) => `${e.reason} ${e.fingerprint} ${e.detail}`),
        [
          `not-authorized ${cyFingerprint} mute from a member`,
          `not-authorized ${cyFingerprint} mute-all from a member`,
        ],
      );
    }
    assert.equal(bob.member.stats.securityEvents, before + 2);
    meeting.close();
  });
});
