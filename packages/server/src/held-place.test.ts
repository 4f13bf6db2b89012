import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { HeldPlace, newResumeToken } from "./held-place.ts";

const participant = { id: "p".repeat(16) as ParticipantId, audio: true, video: false };

function place(): { place: HeldPlace; token: string } {
  const { token, digest } = newResumeToken();
  const timer = setTimeout(() => {}, 0);
  return { place: new HeldPlace(participant, digest, timer), token };
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
});
