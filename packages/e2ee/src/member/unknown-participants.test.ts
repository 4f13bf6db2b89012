import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  type AnnouncedParticipant,
  checkUnknown,
  NO_UNKNOWN,
  type UnknownWatch,
} from "./unknown-participants.ts";

const none = new Set<string>();

/** Threads the watch from one check to the next, as the engine does with its state. */
function watcher(graceMs?: number) {
  let watch: UnknownWatch = NO_UNKNOWN;
  return {
    check(
      announced: readonly AnnouncedParticipant[],
      leaves: ReadonlySet<number>,
      waiting: ReadonlySet<string>,
      now: number,
    ) {
      const checked = checkUnknown(watch, announced, leaves, waiting, now, graceMs);
      watch = checked.watch;
      return checked.change;
    },
    get active() {
      return watch.raised;
    },
  };
}

describe("unknown participants", () => {
  it("a participant without a leaf for 10 s is raised, and cleared once it holds one", () => {
    const watch = watcher();
    const announced = [{ id: "p-ghost", leaf: null }];
    assert.deepEqual(watch.check(announced, new Set([0]), none, 0), {
      raised: [],
      cleared: [],
      nextAt: 10_000,
    });
    assert.deepEqual(watch.check(announced, new Set([0]), none, 9_999).raised, []);
    assert.deepEqual(watch.check(announced, new Set([0]), none, 10_000).raised, ["p-ghost"]);
    assert.deepEqual(watch.check(announced, new Set([0]), none, 11_000).raised, [], "raised once");
    const added = [{ id: "p-ghost", leaf: 1 }];
    assert.deepEqual(watch.check(added, new Set([0, 1]), none, 12_000).cleared, ["p-ghost"]);
    assert.deepEqual(watch.active, []);
  });

  it("an ordinary joiner added within seconds never counts", () => {
    const watch = watcher();
    watch.check([{ id: "p-new", leaf: null }], new Set([0]), none, 0);
    const change = watch.check([{ id: "p-new", leaf: 1 }], new Set([0, 1]), none, 3_000);
    assert.deepEqual(change, { raised: [], cleared: [], nextAt: undefined });
    assert.deepEqual(
      watch.check([{ id: "p-new", leaf: 1 }], new Set([0, 1]), none, 60_000).raised,
      [],
    );
  });

  it("a leaf the roster does not hold, or one claimed by an earlier participant, is no leaf", () => {
    const watch = watcher(0);
    const announced = [
      { id: "p-real", leaf: 1 },
      { id: "p-twin", leaf: 1 },
      { id: "p-far", leaf: 42 },
    ];
    assert.deepEqual(watch.check(announced, new Set([0, 1]), none, 0).raised, ["p-twin", "p-far"]);
  });

  it("an upload waiting for a host is shown as waiting, not as unknown; leaving clears", () => {
    const watch = watcher(0);
    const announced = [{ id: "p-wait", leaf: null }];
    assert.deepEqual(watch.check(announced, new Set([0]), new Set(["p-wait"]), 0).raised, []);
    assert.deepEqual(watch.check(announced, new Set([0]), none, 1).raised, ["p-wait"]);
    assert.deepEqual(watch.check([], new Set([0]), none, 2).cleared, ["p-wait"]);
  });

  it("a check leaves the watch it was given as it was", () => {
    const before = checkUnknown(NO_UNKNOWN, [{ id: "p-ghost", leaf: null }], new Set(), none, 0);
    const copy = { since: new Map(before.watch.since), raised: [...before.watch.raised] };
    checkUnknown(before.watch, [{ id: "p-ghost", leaf: null }], new Set(), none, 10_000);
    assert.deepEqual(before.watch, copy);
  });
});
