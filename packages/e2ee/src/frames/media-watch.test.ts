import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MediaWatch } from "./media-watch.ts";

function watchAt(options: ConstructorParameters<typeof MediaWatch>[0] = {}) {
  const clock = { t: 1000 };
  return { clock, watch: new MediaWatch({ ...options, now: () => clock.t }) };
}

describe("media watch: newer epoch", () => {
  it("next-epoch frames for less than the grace are a normal race: sending goes on", () => {
    const { clock, watch } = watchAt();
    watch.newerEpoch(1);
    clock.t += 400;
    watch.newerEpoch(1);
    watch.epochChanged();
    clock.t += 400;
    watch.newerEpoch(1);
    assert.equal(watch.sendingPaused, false);
    assert.equal(watch.check(new Set()).behind, false);
  });

  it("next-epoch frames past the grace pause sending; our epoch moving resumes it", () => {
    const { clock, watch } = watchAt();
    watch.newerEpoch(1);
    clock.t += 500;
    watch.newerEpoch(1);
    assert.equal(watch.sendingPaused, true);
    assert.deepEqual(watch.check(new Set()), { behind: true, rejoin: false, split: [] });
    watch.epochChanged();
    assert.equal(watch.sendingPaused, false);
  });

  it("a frame two epochs ahead pauses at once; still behind after 5 s says rejoin", () => {
    const { clock, watch } = watchAt();
    watch.newerEpoch(2);
    assert.equal(watch.sendingPaused, true);
    clock.t += 4999;
    assert.equal(watch.check(new Set()).rejoin, false);
    clock.t += 1;
    assert.equal(watch.check(new Set()).rejoin, true);
  });
});

describe("media watch: group split", () => {
  it("50 authentication failures and no success over 5 s name the member", () => {
    const { clock, watch } = watchAt();
    for (let i = 0; i < 49; i++) watch.authFailed(3);
    assert.deepEqual(watch.check(new Set([3])).split, []);
    watch.authFailed(3);
    assert.deepEqual(watch.check(new Set([3])).split, [3]);
    clock.t += 5001;
    assert.deepEqual(watch.check(new Set([3])).split, [], "failures older than the window expire");
  });

  it("a success within the window keeps a member out of the alarm; a non-member is never named", () => {
    const { clock, watch } = watchAt();
    watch.authOk(3);
    clock.t += 100;
    for (let i = 0; i < 60; i++) watch.authFailed(3);
    assert.deepEqual(watch.check(new Set([3])).split, [], "decrypted 100 ms ago");
    for (let i = 0; i < 60; i++) watch.authFailed(5);
    assert.deepEqual(watch.check(new Set([3])).split, [], "leaf 5 is not a member");
    clock.t += 4900;
    for (let i = 0; i < 50; i++) watch.authFailed(3);
    assert.deepEqual(watch.check(new Set([3])).split, [3]);
  });
});

describe("media watch: changes", () => {
  it("reports each alarm once when raised and once when cleared, and rejoin once per epoch", () => {
    const { clock, watch } = watchAt();
    const members = new Set([3]);
    watch.newerEpoch(2);
    for (let i = 0; i < 50; i++) watch.authFailed(3);
    assert.deepEqual(watch.changes(members), {
      alarms: [
        { kind: "newer-epoch", active: true },
        { kind: "group-split", leaf: 3, active: true },
      ],
      rejoin: false,
    });
    assert.deepEqual(watch.changes(members), { alarms: [], rejoin: false }, "nothing new");
    clock.t += 5000;
    assert.deepEqual(watch.changes(members).rejoin, true);
    assert.deepEqual(watch.changes(members).rejoin, false, "said once in this epoch");
    watch.epochChanged();
    watch.authOk(3);
    assert.deepEqual(watch.changes(members), {
      alarms: [
        { kind: "newer-epoch", active: false },
        { kind: "group-split", leaf: 3, active: false },
      ],
      rejoin: false,
    });
    watch.newerEpoch(2);
    clock.t += 5000;
    assert.deepEqual(watch.changes(members).rejoin, true, "again in the next epoch");
  });
});
