import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isE2eeError } from "../errors.ts";
import { decodeKid, encodeKid, KID_LIMIT, MAX_KID_SENDER } from "./kid.ts";
import { ALL_STREAMS, STREAM_CONTEXTS } from "./stream-context.ts";

describe("media KID layout", () => {
  it("round-trips every stream, sender bound and epoch", () => {
    const seen = new Set<bigint>();
    for (const stream of ALL_STREAMS) {
      for (const sender of [0, 1, 7, 1000, MAX_KID_SENDER]) {
        for (const epoch of [0n, 1n, 15n, 16n, 12345n]) {
          const kid = encodeKid(stream, sender, epoch);
          assert.ok(kid >= 0n && kid < KID_LIMIT);
          assert.deepEqual(decodeKid(kid), { stream, sender, epochBits: Number(epoch % 16n) });
          if (epoch < 16n) {
            assert.ok(!seen.has(kid), "distinct streams, senders and epochs give distinct KIDs");
            seen.add(kid);
          }
        }
      }
    }
  });

  it("follows RFC 9605 §5.2: KID = context << (S+E) | sender << E | epoch mod 2^E", () => {
    assert.equal(encodeKid("microphone", 0, 0n), 0n);
    assert.equal(encodeKid("microphone", 3, 5n), (3n << 4n) | 5n);
    assert.equal(
      encodeKid("screen", 2, 17n),
      (BigInt(STREAM_CONTEXTS.screen) << 16n) | (2n << 4n) | 1n,
    );
  });

  it("refuses out-of-range fields and decodes nothing outside the layout", () => {
    const usage = (error: unknown) => isE2eeError(error) && error.code === "E2EE_USAGE";
    assert.throws(() => encodeKid("camera", MAX_KID_SENDER + 1, 0n), usage);
    assert.throws(() => encodeKid("camera", -1, 0n), usage);
    assert.throws(() => encodeKid("camera", 1.5, 0n), usage);
    assert.throws(() => encodeKid("camera", 0, -1n), usage);
    assert.equal(decodeKid(KID_LIMIT), undefined);
    assert.equal(decodeKid(-1n), undefined);
    assert.equal(decodeKid(2n ** 64n - 1n), undefined);
    assert.equal(decodeKid(7n << 16n), undefined, "context 7 names no stream");
    assert.equal(decodeKid(15n << 16n), undefined);
  });
});
