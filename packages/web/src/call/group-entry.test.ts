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

  it("gives the members 30 s once the key reached them, not counting the device's own slow start", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const entry = new GroupEntry(() => true);
    const failure = (): string | null => entry.state.e2eeFailure;
    entry.start();
    // A starved device took 31 s to make its key: the members are not to blame, nothing fails.
    t.mock.timers.tick(31_000);
    assert.equal(failure(), null);
    entry.keyPackageSent();
    t.mock.timers.tick(20_000);
    entry.keyPackageSent(); // the refresh does not give the members more time
    t.mock.timers.tick(9_000);
    assert.equal(failure(), null);
    t.mock.timers.tick(1_001);
    assert.match(failure() ?? "", /no member let this device in within 30 seconds/);
  });

  it("a device that never gets its key ready is told so after a minute", (t) => {
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const entry = new GroupEntry(() => true);
    entry.start();
    t.mock.timers.tick(60_001);
    assert.match(entry.state.e2eeFailure ?? "", /did not get its key ready/);
  });
});
