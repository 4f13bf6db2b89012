import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { seededRandom } from "../testing/seeded-random.ts";
import { toHex } from "./bytes.ts";
import { createSframeContext, type SframeContext } from "./context.ts";
import { decodeHeader, encodeHeader } from "./header.ts";
import { AES_128_CTR_HMAC_SHA256_32, AES_128_GCM_SHA256_128, type CipherSuite } from "./suites.ts";

const CORPUS = new URL("./corpus/", import.meta.url);
const REASONS = new Set(["truncated", "malformed", "unknown-kid", "auth", "replay"]);

function randomBytes(next: () => number, maxLength: number): Uint8Array {
  return Uint8Array.from({ length: Math.floor(next() * (maxLength + 1)) }, () =>
    Math.floor(next() * 256),
  );
}

/** A receiver with decryption keys for KIDs 0-7, the ones a random config byte names most often. */
async function receiver(suite: CipherSuite): Promise<SframeContext> {
  const context = createSframeContext({ suite });
  for (let kid = 0n; kid < 8n; kid++)
    await context.addKey(kid, new Uint8Array(suite.nk).fill(0x17), "decrypt");
  return context;
}

describe("fuzzing the frame parser and decrypt", () => {
  it("header decode never throws on 20,000 random inputs, and what it accepts re-encodes to the same bytes", () => {
    const next = seededRandom(0x5f3759df);
    for (let i = 0; i < 20_000; i++) {
      const data = randomBytes(next, 20);
      const decoded = decodeHeader(data);
      if (decoded.ok) {
        assert.equal(
          toHex(encodeHeader(decoded.header)),
          toHex(data.subarray(0, decoded.length)),
          toHex(data),
        );
      } else {
        assert.match(decoded.reason, /^(truncated|non-minimal)$/);
      }
    }
  });

  for (const suite of [AES_128_GCM_SHA256_128, AES_128_CTR_HMAC_SHA256_32]) {
    it(`decrypt never throws and never accepts on 3,000 random frames (${suite.name})`, async () => {
      const context = await receiver(suite);
      const next = seededRandom(20261123);
      for (let i = 0; i < 3_000; i++) {
        const frame = randomBytes(next, 64);
        const metadata = randomBytes(next, 4);
        const result = await context.decrypt(metadata, frame);
        assert.ok(!result.ok, `accepted random frame ${toHex(frame)}`);
        assert.ok(REASONS.has(result.reason), result.reason);
      }
    });
  }

  it("refuses each committed corpus input for the reason in its name", async () => {
    const context = await receiver(AES_128_GCM_SHA256_128);
    const names = (await readdir(CORPUS)).filter((name) => name.endsWith(".bin")).sort();
    assert.ok(names.length >= 10, "corpus missing");
    for (const name of names) {
      const data = new Uint8Array(await readFile(new URL(name, CORPUS)));
      decodeHeader(data);
      const result = await context.decrypt(new Uint8Array(0), data);
      assert.equal(result.ok ? "ok" : result.reason, name.split("--")[0], name);
    }
  });
});
