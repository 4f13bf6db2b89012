import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { encodeMessage, type ParticipantId } from "@conclave/protocol";
import { Tally } from "./capacity.ts";
import { DeliveryTail } from "./delivery-tail.ts";
import { HeldPlace, newResumeToken } from "./held-place.ts";

const participant = { id: "p".repeat(16) as ParticipantId, audio: true, video: false };

const MIB = 1024 * 1024;

function place(
  tally = new Tally({ total: 64 * MIB, perAddress: 64 * MIB }),
  address = "192.0.2.1",
  tail = new DeliveryTail(),
): { place: HeldPlace; token: string } {
  const { token, digest } = newResumeToken();
  const held = new HeldPlace(participant, digest, tail, { tally, address }, 0, () => {});
  return { place: held, token };
}

const relay = (n: number) =>
  encodeMessage({ type: "mls-commit-refused", epoch: n, reason: "stale epoch" });
const welcome = (chars: number) =>
  encodeMessage({ type: "mls-welcome", welcome: "A".repeat(chars) });

describe("HeldPlace", () => {
  it("opens only with its own token", () => {
    const { place: held, token } = place();
    assert.equal(held.opens(token), true);
    assert.equal(held.opens(newResumeToken().token), false);
    assert.equal(held.opens(""), false);
  });

  it("hands back what the dropped connection may have missed, then what it kept, in order, once", () => {
    const tail = new DeliveryTail();
    for (let n = 0; n < 5; n++) tail.push(relay(n));
    const { place: held } = place(undefined, undefined, tail);
    held.keep(relay(5));
    held.keep(relay(6));
    assert.equal(held.covers(3), true);
    assert.deepEqual(
      held.take(3)?.map((raw) => JSON.parse(raw).epoch),
      [3, 4, 5, 6],
    );
    assert.equal(held.take(3), null, "taken once");
  });

  it("does not cover an owner who says it received more than was sent, or what the tail let go", () => {
    const tail = new DeliveryTail();
    for (let n = 0; n < 300; n++) tail.push(relay(n));
    const { place: held } = place(undefined, undefined, tail);
    assert.equal(held.covers(301), false, "more than was sent");
    assert.equal(held.covers(10), false, "older than the tail keeps");
    assert.equal(held.covers(300), true, "everything received");
    assert.equal(held.take(10), null);
  });

  it("gives up when it would keep too much, and then no longer opens", () => {
    const { place: held, token } = place();
    const big = welcome(200_000);
    let kept = 0;
    while (held.keep(big)) kept++;
    assert.ok(kept >= 19 && kept <= 21, `kept ${kept} messages of 200 kB`);
    assert.equal(held.opens(token), false);
    assert.equal(held.take(0), null);
  });

  it("counts what it keeps against the held-bytes caps and gives it back when taken", () => {
    const tally = new Tally({ total: 64 * MIB, perAddress: 64 * MIB });
    const { place: held } = place(tally);
    held.keep(welcome(1000));
    assert.ok(tally.used > 1000);
    held.take(0);
    assert.equal(tally.used, 0);
  });

  it("is given up when its owner's address holds too many bytes, and others' places are not", () => {
    const tally = new Tally({ total: 64 * MIB, perAddress: 1 * MIB });
    const big = welcome(200_000);
    const { place: mine, token } = place(tally, "192.0.2.1");
    let kept = 0;
    while (mine.keep(big)) kept++;
    assert.ok(kept >= 4 && kept <= 5, `kept ${kept} messages of 200 kB under 1 MiB`);
    assert.equal(mine.overflow, "address");
    assert.equal(mine.opens(token), false);
    assert.equal(tally.used, 0, "a place given up holds nothing");
    const { place: theirs } = place(tally, "198.51.100.7");
    assert.equal(theirs.keep(big), true);
    theirs.close();
  });

  it("is given up when the server holds too many bytes in all", () => {
    const tally = new Tally({ total: 1 * MIB, perAddress: 64 * MIB });
    const big = welcome(300_000);
    const first = place(tally, "192.0.2.1").place;
    const second = place(tally, "198.51.100.7").place;
    assert.equal(first.keep(big) && first.keep(big) && first.keep(big), true);
    assert.equal(second.keep(big), false);
    assert.equal(second.overflow, "total");
    first.close();
    assert.equal(tally.used, 0);
  });
});
