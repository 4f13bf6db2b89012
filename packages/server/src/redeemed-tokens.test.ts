import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { newResumeToken } from "./held-place.ts";
import { MAX_REDEEMED_PER_PLACE, RedeemedTokens } from "./redeemed-tokens.ts";

const ben = "b".repeat(16) as ParticipantId;
const cyd = "c".repeat(16) as ParticipantId;

describe("RedeemedTokens", () => {
  it("knows a token once its place redeemed it, for that place only", () => {
    const tokens = new RedeemedTokens();
    const first = newResumeToken();
    assert.equal(tokens.used(ben, first.token), false, "not used before it opened the place");
    tokens.redeem(ben, first.digest);
    assert.equal(tokens.used(ben, first.token), true);
    assert.equal(tokens.used(cyd, first.token), false, "another place's id");
    assert.equal(tokens.used(ben, newResumeToken().token), false, "another token");
    assert.equal(tokens.used(ben, ""), false);
  });

  it("keeps the last tokens of each place, restores them and forgets a place that is gone", () => {
    const tokens = new RedeemedTokens();
    const all = Array.from({ length: MAX_REDEEMED_PER_PLACE + 2 }, () => newResumeToken());
    for (const { digest } of all) tokens.redeem(ben, digest);
    assert.equal(tokens.of(ben).length, MAX_REDEEMED_PER_PLACE);
    assert.equal(tokens.used(ben, all[0]?.token ?? ""), false, "the oldest went");
    assert.equal(tokens.used(ben, all.at(-1)?.token ?? ""), true);

    const takenOver = new RedeemedTokens();
    takenOver.restore(ben, tokens.of(ben));
    assert.equal(takenOver.used(ben, all.at(-1)?.token ?? ""), true, "restored from the record");
    takenOver.forget(ben);
    assert.equal(takenOver.used(ben, all.at(-1)?.token ?? ""), false);
    assert.deepEqual(takenOver.of(ben), []);
  });
});
