import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { E2eeUsageError } from "../errors.ts";
import { fromHex, MAX_U64, toHex } from "./bytes.ts";
import { decodeHeader, encodeHeader, headerLength } from "./header.ts";

function hex(text: string): Uint8Array {
  const bytes = fromHex(text);
  assert.ok(bytes, `bad hex in test: ${text}`);
  return bytes;
}

/** Values at each boundary of the encoding: inline (0-7), then 2^(8n)-1 and 2^(8n) for each n. */
const BOUNDARIES: readonly bigint[] = [0n, 1n, 7n, 8n, 255n, 256n];
const VALUES: readonly bigint[] = [
  ...BOUNDARIES,
  ...Array.from({ length: 7 }, (_, i) => [
    (1n << (8n * BigInt(i + 2))) - 1n,
    1n << (8n * BigInt(i + 2)),
  ])
    .flat()
    .filter((value) => value <= MAX_U64),
];

describe("SFrame header (RFC 9605 §4.3)", () => {
  it("round-trips every KID and CTR length boundary, from 0 to 2^64-1, with minimal length", () => {
    for (const kid of VALUES) {
      for (const ctr of VALUES) {
        const encoded = encodeHeader({ kid, ctr });
        assert.equal(encoded.length, headerLength({ kid, ctr }));
        const decoded = decodeHeader(encoded);
        assert.ok(decoded.ok, `kid ${kid} ctr ${ctr}`);
        assert.equal(decoded.header.kid, kid);
        assert.equal(decoded.header.ctr, ctr);
        assert.equal(decoded.length, encoded.length);
      }
    }
  });

  it("puts values 0-7 in the config byte and 8 or more after it", () => {
    assert.equal(toHex(encodeHeader({ kid: 0n, ctr: 0n })), "00");
    assert.equal(toHex(encodeHeader({ kid: 7n, ctr: 7n })), "77");
    assert.equal(toHex(encodeHeader({ kid: 8n, ctr: 7n })), "8708");
    assert.equal(toHex(encodeHeader({ kid: 7n, ctr: 8n })), "7808");
    assert.equal(toHex(encodeHeader({ kid: 0x123n, ctr: 0x4567n })), "9901234567");
    assert.equal(toHex(encodeHeader({ kid: MAX_U64, ctr: MAX_U64 })), `ff${"ff".repeat(16)}`);
  });

  it("leaves bytes after the header to the caller and reports where they start", () => {
    const decoded = decodeHeader(hex("9901234567deadbeef"));
    assert.deepEqual(decoded, { ok: true, header: { kid: 0x123n, ctr: 0x4567n }, length: 5 });
  });

  it("refuses input shorter than the lengths in its config byte as truncated", () => {
    for (const text of [
      "",
      "80",
      "f0ffffffffffffff",
      "08",
      "0f00000000000000",
      "990123",
      "99012345",
    ]) {
      assert.deepEqual(decodeHeader(hex(text)), { ok: false, reason: "truncated" }, text);
    }
  });

  it("refuses a KID or CTR not in minimal form", () => {
    // 0x80 0x05: KID 5 in one extra byte, where the config byte would hold it.
    for (const text of ["8005", "0807", "810012", "09000f", "f7000000000000000800"]) {
      assert.deepEqual(decodeHeader(hex(text)), { ok: false, reason: "non-minimal" }, text);
    }
  });

  it("accepts exactly one encoding for every config byte that decodes", () => {
    for (let config = 0; config < 256; config++) {
      const data = new Uint8Array(17).fill(0xa5);
      data[0] = config;
      const decoded = decodeHeader(data);
      assert.ok(decoded.ok);
      assert.equal(toHex(encodeHeader(decoded.header)), toHex(data.subarray(0, decoded.length)));
    }
  });

  it("throws a usage error for a KID or CTR outside [0, 2^64-1]", () => {
    assert.throws(() => encodeHeader({ kid: -1n, ctr: 0n }), E2eeUsageError);
    assert.throws(() => encodeHeader({ kid: 0n, ctr: MAX_U64 + 1n }), E2eeUsageError);
  });
});
