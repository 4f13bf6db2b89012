import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { parseVectorFile, runVectors } from "../vectors.ts";

// RFC 9605's published vectors, committed in packages/e2ee/vectors/. A missing file is a failure,
// never a skip: these vectors are the evidence that this code is RFC 9605.
const VECTORS = new URL("../../vectors/sframe-rfc9605.json", import.meta.url);

async function loadVectors() {
  const text = await readFile(VECTORS, "utf8").catch((error: unknown) => {
    assert.fail(`RFC 9605 vector file not readable at ${fileURLToPath(VECTORS)}: ${String(error)}`);
  });
  const parsed = parseVectorFile(text);
  assert.ok(parsed.ok, parsed.ok ? "" : parsed.error);
  return parsed.file;
}

describe("RFC 9605 test vectors", () => {
  it("pass in full: header, AES-CTR-HMAC (128 and 256) and SFrame encryption and decryption", async () => {
    const file = await loadVectors();
    const report = await runVectors(file);
    assert.deepEqual(report.failures, []);
    const expected = ["header", "aes_ctr_hmac", "aes_256_ctr_hmac", "sframe"]
      .map((section) => file[section]?.length ?? 0)
      .reduce((a, b) => a + b);
    assert.equal(report.passed, expected);
    assert.ok(file.header && file.header.length > 0 && file.sframe && file.sframe.length === 5);
  });

  it("keep 64-bit KID and CTR values exact (2^64-1 does not round to 2^64)", async () => {
    const parsed = parseVectorFile(
      '{"header":[{"kid":18446744073709551615,"ctr":18446744073709551614,"encoded":"ff"}]}',
    );
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.file.header?.[0], {
      kid: "18446744073709551615",
      ctr: "18446744073709551614",
      encoded: "ff",
    });
  });

  it("report each differing field of a vector that does not match", async () => {
    const parsed = parseVectorFile(
      '{"header":[{"kid":0,"ctr":18446744073709551614,"encoded":"0fffffffffffffffff"}],' +
        '"sframe":[{"cipher_suite":9}]}',
    );
    assert.ok(parsed.ok);
    const report = await runVectors(parsed.file);
    assert.equal(report.passed, 0);
    assert.equal(report.failed, 2);
    assert.match(
      report.failures[0] ?? "",
      /^header\[0\].*encode: expected 0fffffffffffffffff, got 0ffffffffffffffffe/,
    );
    assert.match(report.failures[1] ?? "", /^sframe\[0\].*cipher suite 9 not supported/);
  });

  it("refuse a file that is not vector-shaped, without throwing", () => {
    for (const text of ["", "[]", "{}", '{"header": 3}', "{"]) {
      assert.equal(parseVectorFile(text).ok, false, text);
    }
  });
});
