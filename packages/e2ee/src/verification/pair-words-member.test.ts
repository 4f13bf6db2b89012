import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TestMeeting } from "../testing/test-meeting.ts";

function member(meeting: TestMeeting, name: string) {
  const p = meeting.participants.get(name);
  assert.ok(p, name);
  return p.member;
}

function fingerprintOf(meeting: TestMeeting, name: string): string {
  const entry = member(meeting, name).roster.find((r) => r.self);
  assert.ok(entry, `${name} is in its own roster`);
  return entry.fingerprint;
}

describe("pair words between members of one meeting", () => {
  it("two members get the same words for each other, other pairs other words, and a join changes them", async () => {
    const meeting = new TestMeeting();
    for (const name of ["ada", "bob", "cy"]) await meeting.connect(name);
    await meeting.converge(10_000);
    const [ada, bob, cy] = ["ada", "bob", "cy"].map((n) => member(meeting, n));
    assert.ok(ada && bob && cy);
    const adaBob = await ada.pairWords(fingerprintOf(meeting, "bob"));
    assert.ok(adaBob);
    assert.deepEqual(await bob.pairWords(fingerprintOf(meeting, "ada")), adaBob);
    assert.notDeepEqual(await ada.pairWords(fingerprintOf(meeting, "cy")), adaBob);
    assert.notDeepEqual(await cy.pairWords(fingerprintOf(meeting, "bob")), adaBob);
    // Nobody compares with themselves or with a device that is not in the group.
    assert.equal(await ada.pairWords(fingerprintOf(meeting, "ada")), undefined);
    assert.equal(await ada.pairWords("ab".repeat(32)), undefined);

    await meeting.connect("dee");
    await meeting.converge(10_000);
    const after = await ada.pairWords(fingerprintOf(meeting, "bob"));
    assert.ok(after);
    assert.notDeepEqual(after, adaBob, "a roster change gives the pair new words");
    assert.deepEqual(await bob.pairWords(fingerprintOf(meeting, "ada")), after);
    meeting.close();
  });
});
