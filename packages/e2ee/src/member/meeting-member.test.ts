import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TestMeeting } from "./test-meeting.ts";

describe("meeting member engine", () => {
  it("five members joining one by one converge on epoch, media keys, security code and names", async () => {
    const meeting = new TestMeeting();
    const started = performance.now();
    for (const name of ["ada", "bob", "cy", "dee", "eve"]) {
      await meeting.connect(name);
      await meeting.converge(5000);
    }
    const [ada] = meeting.present;
    assert.ok(ada);
    assert.equal(ada.member.roster.length, 5);
    assert.deepEqual(
      ada.member.roster.map((r) => r.displayName),
      ["ada", "bob", "cy", "dee", "eve"],
    );
    assert.match(ada.member.securityCode ?? "", /^\d{5}( \d{5}){4}$/);
    for (const p of meeting.present) assert.deepEqual(p.errors, [], p.name);
    console.log(`5 joins converged in ${(performance.now() - started).toFixed(0)} ms`);
    meeting.close();
  });
});
