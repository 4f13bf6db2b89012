// What a member asks for as host or co-host, checked against its role now. The state given never
// changes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { adaAndBob, snapshot } from "../testing/member-fixtures.ts";
import { run } from "./draft.ts";
import { askAdmit, askChange, askRemove } from "./own-requests.ts";

describe("own requests", () => {
  it("the host's lock is queued for its next commit; a member's is refused and changes nothing", async () => {
    const { ada, bob } = await adaAndBob();
    const seen = snapshot(ada);
    let queued = false;
    const host = await run(ada, (d) => {
      queued = askChange(d, () => ({ kind: "set-locked", locked: true }));
    });
    assert.equal(queued, true);
    assert.equal(snapshot(ada), seen);
    assert.deepEqual(host.state.requests.changes, [{ kind: "set-locked", locked: true }]);
    const member = await run(bob, (d) => {
      queued = askChange(d, () => ({ kind: "set-locked", locked: true }));
    });
    assert.equal(queued, false);
    assert.equal(member.state, bob);
  });

  it("a host removes another member, never itself; an admit needs an upload that waits", async () => {
    const { ada } = await adaAndBob();
    const results: boolean[] = [];
    const step = await run(ada, (d) => {
      results.push(askRemove(d, 0), askRemove(d, 7), askRemove(d, 1), askAdmit(d, "nobody", "00"));
    });
    assert.deepEqual(results, [false, false, true, false]);
    assert.deepEqual([...step.state.requests.removes.keys()], [1]);
    assert.equal(ada.requests.removes.size, 0);
  });
});
