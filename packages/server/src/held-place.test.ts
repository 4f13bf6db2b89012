import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { Tally } from "./capacity.ts";
import { HeldPlace, newResumeToken } from "./held-place.ts";

const participant = { id: "p".repeat(16) as ParticipantId, audio: true, video: false };

const MIB = 1024 * 1024;

function place(
  tally = new Tally({ total: 64 * MIB, perAddress: 64 * MIB }),
  address = "192.0.2.1",
): { place: HeldPlace; token: string } {
  const { token, digest } = newResumeToken();
  return { place: new HeldPlace(participant, digest, { tally, address }, 0, () => {}), token };
}

describe("HeldPlace", () => {
  it("opens only with its own token", () => {
    const { place: held, token } = place();
    assert.equal(held.opens(token), true);
    assert.equal(held.opens(newResumeToken().token), false);
    assert.equal(held.opens(""), false);
  });

  it("hands back what it kept, in order, once", () => {
    const { place: held } = place();
    held.keep({
      type: "mls-rollback",
      epoch: 1,
      commit: "AAAA",
      reports: [{ leaf: 0, signature: "AAAA" }],
    });
    held.keep({ type: "pong" });
    assert.deepEqual(
      held.take().map((raw) => JSON.parse(raw).type),
      ["mls-rollback", "pong"],
    );
    assert.deepEqual(held.take(), []);
  });

  it("gives up when it would keep too much, and then no longer opens", () => {
    const { place: held, token } = place();
    const big = { type: "mls-welcome", welcome: "A".repeat(200_000) } as const;
    let kept = 0;
    while (held.keep(big)) kept++;
    assert.ok(kept >= 19 && kept <= 21, `kept ${kept} messages of 200 kB`);
    assert.equal(held.opens(token), false);
    assert.deepEqual(held.take(), []);
  });

  it("counts what it keeps against the held-bytes caps and gives it back when taken", () => {
    const tally = new Tally({ total: 64 * MIB, perAddress: 64 * MIB });
    const { place: held } = place(tally);
    held.keep({ type: "mls-welcome", welcome: "A".repeat(1000) });
    assert.ok(tally.used > 1000);
    held.take();
    assert.equal(tally.used, 0);
  });

  it("is given up when its owner's address holds too many bytes, and others' places are not", () => {
    const tally = new Tally({ total: 64 * MIB, perAddress: 1 * MIB });
    const big = { type: "mls-welcome", welcome: "A".repeat(200_000) } as const;
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
    const big = { type: "mls-welcome", welcome: "A".repeat(300_000) } as const;
    const first = place(tally, "192.0.2.1").place;
    const second = place(tally, "198.51.100.7").place;
    assert.equal(first.keep(big) && first.keep(big) && first.keep(big), true);
    assert.equal(second.keep(big), false);
    assert.equal(second.overflow, "total");
    first.close();
    assert.equal(tally.used, 0);
  });
});
