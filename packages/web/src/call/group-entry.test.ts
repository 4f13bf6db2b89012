import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { GroupView } from "../worker/reports.ts";
import { GroupEntry, type JoinStep } from "./group-entry.ts";

const view = (status: GroupView["status"]): GroupView => ({
  status,
  epoch: null,
  ownLeaf: null,
  securityCode: null,
  ciphersuite: null,
  roster: [],
  failure: null,
  removedBy: null,
});

describe("group entry steps", () => {
  it("names the step a join waits on: the key sent, sent again, a Welcome; none once in", () => {
    const entry = new GroupEntry(() => true);
    // Read afresh each time: the store's state changes under the test.
    const step = (): JoinStep | null => entry.state.step;
    assert.equal(step(), null);
    entry.keyPackageSent();
    assert.equal(step()?.kind, "key-sent");
    entry.keyPackageSent();
    const sent = step();
    assert.equal(sent?.kind === "key-sent" ? sent.count : 0, 2, "a refreshed key counts");
    entry.welcomeArrived();
    assert.equal(step()?.kind, "welcome");
    entry.groupChanged(view("joining"), view("member"));
    assert.equal(step(), null);
    entry.keyPackageSent();
    entry.stop();
    assert.equal(step(), null, "a new connection starts over");
  });
});
