import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Capacity, Tally } from "./capacity.ts";
import { Refusal } from "./refusal.ts";

describe("capacity", () => {
  it("a tally refuses past the address's share or the total, and takes nothing then", () => {
    const tally = new Tally({ total: 3, perAddress: 2 });
    assert.equal(tally.take("a"), null);
    assert.equal(tally.take("a"), null);
    assert.equal(tally.take("a"), "address");
    assert.equal(tally.take("b"), null);
    assert.equal(tally.take("c"), "total");
    assert.equal(tally.used, 3);
    tally.give("a");
    assert.equal(tally.take("c"), null);
  });

  it("refuses connections and meetings with their codes, saying whose cap it was", () => {
    const capacity = new Capacity({
      connections: { total: 2, perAddress: 1 },
      rooms: { total: 1, perAddress: 1 },
      heldBytes: { total: 1, perAddress: 1 },
    });
    capacity.openConnection("a");
    const refusal = (f: () => void) => {
      try {
        f();
      } catch (error) {
        assert.ok(error instanceof Refusal);
        return [error.code, error.message];
      }
      assert.fail("not refused");
    };
    const [code, mine] = refusal(() => capacity.openConnection("a"));
    assert.equal(code, "TOO_MANY_CONNECTIONS");
    assert.match(mine ?? "", /from your network/);
    capacity.openConnection("b");
    assert.match(refusal(() => capacity.openConnection("c"))[1] ?? "", /server is at its limit/);
    capacity.openRoom("a");
    assert.equal(refusal(() => capacity.openRoom("b"))[0], "TOO_MANY_ROOMS");
  });
});
