import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RoomId } from "@conclave/protocol";
import { Placement } from "./placement.ts";

const room = (c: string) => c.repeat(22) as RoomId;
const idle = (index: number, overloaded = false) => ({ index, ready: true, overloaded });

describe("meeting placement", () => {
  it("puts a new meeting on the worker with the least forwarding work, never on one not ready", () => {
    const placement = new Placement();
    placement.open(room("a"), 0, "10.0.0.1");
    placement.joinSent(room("a"));
    placement.placed(room("a"), true, true);
    assert.equal(placement.pick([idle(0), idle(1)]), 1);
    assert.equal(placement.pick([idle(0), { index: 1, ready: false, overloaded: false }]), 0);
    assert.equal(placement.pick([idle(0, true), idle(1, true)]), 1, "all overloaded: least work");
    assert.equal(placement.pick([idle(0), idle(1, true)]), 0, "an overloaded worker comes last");
    assert.equal(placement.pick([]), null);
  });

  it("keeps a route while a join is on its way, so a closing meeting reopens in the same worker", () => {
    const placement = new Placement();
    placement.open(room("b"), 1, "10.0.0.2");
    placement.joinSent(room("b"));
    placement.placed(room("b"), true, true);
    placement.joinSent(room("b")); // a second join, sent as the meeting empties
    placement.left(room("b"));
    assert.equal(placement.closed(room("b")), null, "not ended: a join is in flight");
    assert.equal(placement.workerOf(room("b")), 1);
    assert.equal(
      placement.placed(room("b"), true, true),
      null,
      "it opened the meeting again there",
    );
    assert.equal(placement.workerOf(room("b")), 1);
  });

  it("ends a route when the meeting closes or its only join was refused, giving the room back", () => {
    const placement = new Placement();
    placement.open(room("c"), 0, "10.0.0.3");
    placement.joinSent(room("c"));
    assert.equal(placement.placed(room("c"), false, false), "10.0.0.3");
    assert.equal(placement.workerOf(room("c")), null);
    placement.open(room("d"), 0, "10.0.0.4");
    placement.joinSent(room("d"));
    placement.placed(room("d"), true, true);
    assert.equal(placement.closed(room("d")), "10.0.0.4");
    placement.open(room("e"), 1, "10.0.0.5");
    assert.deepEqual(placement.lost(1), ["10.0.0.5"]);
    assert.equal(placement.workerOf(room("e")), null);
  });
});
