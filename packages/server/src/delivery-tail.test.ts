import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeliveryTail } from "./delivery-tail.ts";

describe("DeliveryTail", () => {
  it("numbers what was sent and gives back what followed a count", () => {
    const tail = new DeliveryTail();
    for (const m of ["a", "b", "c"]) tail.push(m);
    assert.equal(tail.sent, 3);
    assert.deepEqual(tail.after(1), ["b", "c"]);
    assert.deepEqual(tail.after(3), []);
    assert.equal(tail.after(4), null, "more than was sent");
  });

  it("numbers on from where a resumed place's owner was", () => {
    const tail = new DeliveryTail(40);
    tail.push("x");
    assert.equal(tail.sent, 41);
    assert.equal(tail.after(39), null);
    assert.deepEqual(tail.after(40), ["x"]);
  });

  it("lets the oldest go past 256 messages or 1 MiB", () => {
    const byCount = new DeliveryTail();
    for (let n = 0; n < 300; n++) byCount.push(String(n));
    assert.equal(byCount.after(43), null);
    assert.equal(byCount.after(44)?.[0], "44");
    const byBytes = new DeliveryTail();
    for (let n = 0; n < 5; n++) byBytes.push(String(n).repeat(300_000));
    assert.equal(byBytes.after(1), null);
    assert.equal(byBytes.after(2)?.length, 3);
  });
});
