import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { E2eeUsageError } from "../errors.ts";
import { MAX_U64, toHex } from "./bytes.ts";
import { createSframeContext, type DecryptResult, type SframeContext } from "./context.ts";
import { decodeHeader } from "./header.ts";
import {
  AES_128_CTR_HMAC_SHA256_32,
  AES_128_CTR_HMAC_SHA256_80,
  AES_128_GCM_SHA256_128,
  type CipherSuite,
  IANA_256_CTR_SUITES,
  RFC9605_SUITES,
} from "./suites.ts";

const ALL_SUITES: readonly CipherSuite[] = [...RFC9605_SUITES, ...IANA_256_CTR_SUITES];

function baseKey(suite: CipherSuite, fill = 0x42): Uint8Array {
  return new Uint8Array(suite.nk).fill(fill);
}

const METADATA = Uint8Array.of(0x9d, 0x01, 0x2a); // e.g. the clear part of a VP8 payload header

async function pair(suite: CipherSuite, kid: bigint, key = baseKey(suite)) {
  const sender = createSframeContext({ suite });
  const receiver = createSframeContext({ suite });
  await sender.addKey(kid, key, "encrypt");
  await receiver.addKey(kid, key, "decrypt");
  return { sender, receiver };
}

async function seal(context: SframeContext, kid: bigint, plaintext: Uint8Array, ctr?: bigint) {
  const result = await context.encrypt(kid, ctr, METADATA, plaintext);
  assert.ok(result.ok, `encrypt refused: ${result.ok ? "" : result.reason}`);
  return result;
}

function reason(result: DecryptResult): string {
  return result.ok ? "ok" : result.reason;
}

describe("SFrame context", () => {
  for (const suite of ALL_SUITES) {
    it(`round-trips frames of 0, 1, 100 and 1200 bytes with ${suite.name}`, async () => {
      const { sender, receiver } = await pair(suite, 0x1234n);
      for (const size of [0, 1, 100, 1200]) {
        const plaintext = Uint8Array.from({ length: size }, (_, i) => i * 7);
        const sealed = await seal(sender, 0x1234n, plaintext);
        assert.equal(sealed.frame.length, 1 + 2 + 1 + size + suite.nt - (sealed.ctr < 8n ? 1 : 0));
        const opened = await receiver.decrypt(METADATA, sealed.frame);
        assert.ok(opened.ok);
        assert.equal(toHex(opened.plaintext), toHex(plaintext));
        assert.equal(opened.kid, 0x1234n);
        assert.equal(opened.ctr, sealed.ctr);
      }
    });
  }

  for (const suite of [
    AES_128_GCM_SHA256_128,
    AES_128_CTR_HMAC_SHA256_32,
    AES_128_CTR_HMAC_SHA256_80,
  ]) {
    it(`refuses every single-bit change of header, ciphertext, tag or metadata with ${suite.name}`, async () => {
      const kid = 9n; // one extended KID byte, so KID bits are tested too
      const sender = createSframeContext({ suite });
      await sender.addKey(kid, baseKey(suite), "encrypt");
      // The receiver holds a key for every KID a flip of the KID byte can name, so that such a
      // flip is refused by authentication and not merely for want of a key.
      const receiver = createSframeContext({ suite });
      for (let other = 8n; other < 256n; other++)
        await receiver.addKey(other, baseKey(suite), "decrypt");
      const sealed = await seal(sender, kid, Uint8Array.of(1, 2, 3, 4), 300n);
      const frame = sealed.frame;
      const headerBytes = 4; // config, KID 0x09, CTR 0x012c
      assert.equal(frame.length, headerBytes + 4 + suite.nt);

      for (let bit = 0; bit < frame.length * 8; bit++) {
        const altered = frame.slice();
        altered[bit >> 3] = (altered[bit >> 3] ?? 0) ^ (0x80 >> (bit & 7));
        const result = await receiver.decrypt(METADATA, altered);
        if (bit < 8) {
          // A config-byte flip changes the header's shape and so the KID, CTR and their lengths:
          // refused, for whichever reason that shape leads to.
          assert.ok(!result.ok, `config bit ${bit} accepted`);
        } else if (!decodeHeader(altered).ok) {
          // A KID or CTR byte flip that loses the minimal form: refused before any key is used.
          assert.ok(bit < headerBytes * 8, `bit ${bit}`);
          assert.equal(reason(result), "malformed", `header bit ${bit}`);
        } else {
          assert.equal(reason(result), "auth", `frame bit ${bit}`);
        }
      }
      for (let bit = 0; bit < METADATA.length * 8; bit++) {
        const metadata = METADATA.slice();
        metadata[bit >> 3] = (metadata[bit >> 3] ?? 0) ^ (0x80 >> (bit & 7));
        assert.equal(
          reason(await receiver.decrypt(metadata, frame)),
          "auth",
          `metadata bit ${bit}`,
        );
      }
      assert.equal(reason(await receiver.decrypt(METADATA.subarray(1), frame)), "auth");
      assert.equal(reason(await receiver.decrypt(METADATA, frame)), "ok");
    });
  }

  it("refuses a frame under a different base key for the same KID", async () => {
    const suite = AES_128_GCM_SHA256_128;
    const { sender } = await pair(suite, 5n);
    const { receiver } = await pair(suite, 5n, baseKey(suite, 0x43));
    const sealed = await seal(sender, 5n, Uint8Array.of(1, 2, 3));
    assert.equal(reason(await receiver.decrypt(METADATA, sealed.frame)), "auth");
  });

  it("refuses a frame whose AEAD output is cut short, as truncated or auth", async () => {
    const suite = AES_128_CTR_HMAC_SHA256_80;
    const { sender, receiver } = await pair(suite, 5n);
    const sealed = await seal(sender, 5n, Uint8Array.of(1, 2, 3));
    for (let length = 0; length < sealed.frame.length; length++) {
      const result = await receiver.decrypt(METADATA, sealed.frame.subarray(0, length));
      const expected = length < 1 + suite.nt ? "truncated" : "auth";
      assert.equal(reason(result), expected, `length ${length}`);
    }
  });

  it("refuses the replay of a frame already accepted", async () => {
    const { sender, receiver } = await pair(AES_128_GCM_SHA256_128, 1n);
    const sealed = await seal(sender, 1n, Uint8Array.of(7));
    assert.equal(reason(await receiver.decrypt(METADATA, sealed.frame)), "ok");
    assert.equal(reason(await receiver.decrypt(METADATA, sealed.frame)), "replay");
  });

  it("accepts reordered frames within the window once each, and refuses older ones", async () => {
    const { sender, receiver } = await pair(AES_128_CTR_HMAC_SHA256_32, 1n);
    const frames = [];
    for (let i = 0; i < 200; i++) frames.push((await seal(sender, 1n, Uint8Array.of(i))).frame);
    const [first, old, recent, latest] = [frames[0], frames[71], frames[72], frames[199]];
    assert.ok(first && old && recent && latest);
    assert.equal(reason(await receiver.decrypt(METADATA, first)), "ok");
    assert.equal(reason(await receiver.decrypt(METADATA, latest)), "ok");
    assert.equal(reason(await receiver.decrypt(METADATA, recent)), "ok"); // 127 behind
    assert.equal(reason(await receiver.decrypt(METADATA, recent)), "replay");
    assert.equal(reason(await receiver.decrypt(METADATA, old)), "replay"); // 128 behind
    assert.equal(reason(await receiver.decrypt(METADATA, first)), "replay");
  });

  it("accepts only one of two copies of a frame decrypted at the same time", async () => {
    const { sender, receiver } = await pair(AES_128_GCM_SHA256_128, 1n);
    const sealed = await seal(sender, 1n, Uint8Array.of(7));
    const results = await Promise.all(
      [1, 2, 3].map(() => receiver.decrypt(METADATA, sealed.frame)),
    );
    assert.deepEqual(results.map(reason).sort(), ["ok", "replay", "replay"]);
  });

  it("refuses a frame for a KID it has no key for", async () => {
    const { sender } = await pair(AES_128_GCM_SHA256_128, 1n);
    const { receiver } = await pair(AES_128_GCM_SHA256_128, 2n);
    const sealed = await seal(sender, 1n, Uint8Array.of(7));
    assert.equal(reason(await receiver.decrypt(METADATA, sealed.frame)), "unknown-kid");
    assert.deepEqual(await receiver.encrypt(3n, undefined, METADATA, Uint8Array.of(1)), {
      ok: false,
      reason: "unknown-kid",
    });
  });

  it("never uses a key both ways: its own sending KID does not decrypt, a receiving KID does not encrypt", async () => {
    const { sender, receiver } = await pair(AES_128_GCM_SHA256_128, 1n);
    const sealed = await seal(sender, 1n, Uint8Array.of(7));
    assert.equal(reason(await sender.decrypt(METADATA, sealed.frame)), "unknown-kid");
    const refused = await receiver.encrypt(1n, undefined, METADATA, Uint8Array.of(1));
    assert.deepEqual(refused, { ok: false, reason: "unknown-kid" });
  });

  it("refuses frames of a removed KID, including one already in flight", async () => {
    const { sender, receiver } = await pair(AES_128_GCM_SHA256_128, 4n);
    const before = await seal(sender, 4n, Uint8Array.of(1));
    const after = await seal(sender, 4n, Uint8Array.of(2));
    const inFlight = receiver.decrypt(METADATA, before.frame);
    receiver.removeKey(4n);
    assert.equal(reason(await inFlight), "unknown-kid");
    assert.equal(reason(await receiver.decrypt(METADATA, after.frame)), "unknown-kid");
  });

  it("does not install a key whose KID was removed while it was being derived", async () => {
    const suite = AES_128_GCM_SHA256_128;
    const context = createSframeContext({ suite });
    const adding = context.addKey(4n, baseKey(suite), "encrypt");
    context.removeKey(4n);
    await adding;
    const result = await context.encrypt(4n, undefined, METADATA, Uint8Array.of(1));
    assert.deepEqual(result, { ok: false, reason: "unknown-kid" });
  });

  it("never repeats a counter across 10,000 encryptions, nor after the KID is removed and re-added", async () => {
    const suite = AES_128_GCM_SHA256_128;
    const context = createSframeContext({ suite });
    await context.addKey(6n, baseKey(suite), "encrypt");
    const seen = new Set<bigint>();
    const batch = async (count: number) => {
      const results = await Promise.all(
        Array.from({ length: count }, () =>
          context.encrypt(6n, undefined, METADATA, Uint8Array.of(0)),
        ),
      );
      for (const result of results) {
        assert.ok(result.ok);
        const header = decodeHeader(result.frame);
        assert.ok(header.ok);
        assert.equal(header.header.ctr, result.ctr);
        assert.ok(!seen.has(result.ctr), `counter ${result.ctr} repeated`);
        seen.add(result.ctr);
      }
    };
    for (let i = 0; i < 10; i++) await batch(1000);
    context.removeKey(6n);
    await context.addKey(6n, baseKey(suite), "encrypt");
    await batch(10);
    // No gaps either: the counters handed out are exactly 0 .. 10,009.
    assert.equal(seen.size, 10_010);
    for (let ctr = 0n; ctr < 10_010n; ctr++) assert.ok(seen.has(ctr), `counter ${ctr} skipped`);
  });

  it("refuses an explicit counter at or below one already used, and counters past 2^64-1", async () => {
    const suite = AES_128_CTR_HMAC_SHA256_80;
    const { sender, receiver } = await pair(suite, 1n);
    await seal(sender, 1n, Uint8Array.of(1), 10n);
    for (const ctr of [0n, 10n]) {
      assert.deepEqual(await sender.encrypt(1n, ctr, METADATA, Uint8Array.of(1)), {
        ok: false,
        reason: "counter-reused",
      });
    }
    const last = await seal(sender, 1n, Uint8Array.of(2), MAX_U64);
    assert.equal(reason(await receiver.decrypt(METADATA, last.frame)), "ok");
    assert.deepEqual(await sender.encrypt(1n, undefined, METADATA, Uint8Array.of(3)), {
      ok: false,
      reason: "counter-exhausted",
    });
  });

  it("throws a usage error for misuse: short base key, KID out of range, a KID added twice", async () => {
    const suite = AES_128_GCM_SHA256_128;
    const context = createSframeContext({ suite });
    await assert.rejects(context.addKey(1n, new Uint8Array(15), "encrypt"), E2eeUsageError);
    await assert.rejects(context.addKey(-1n, baseKey(suite), "encrypt"), E2eeUsageError);
    await assert.rejects(context.addKey(MAX_U64 + 1n, baseKey(suite), "decrypt"), E2eeUsageError);
    await context.addKey(1n, baseKey(suite), "encrypt");
    await assert.rejects(context.addKey(1n, baseKey(suite), "decrypt"), E2eeUsageError);
    await assert.rejects(context.encrypt(1n, -1n, METADATA, Uint8Array.of(1)), E2eeUsageError);
  });

  for (const suite of [AES_128_GCM_SHA256_128, AES_128_CTR_HMAC_SHA256_80]) {
    it(`works on what the buffers held at the call, even if the caller reuses them at once (${suite.name})`, async () => {
      const { sender, receiver } = await pair(suite, 1n);
      const plaintext = Uint8Array.of(1, 2, 3, 4);
      const metadata = METADATA.slice();
      const sealing = sender.encrypt(1n, undefined, metadata, plaintext);
      plaintext.fill(0xee);
      metadata.fill(0xee);
      const sealed = await sealing;
      assert.ok(sealed.ok);
      const frame = sealed.frame.slice();
      const opening = receiver.decrypt(METADATA, frame);
      frame.fill(0xee);
      const opened = await opening;
      assert.ok(opened.ok, reason(opened));
      assert.equal(toHex(opened.plaintext), "01020304");
    });
  }

  it("leaves the caller's base key and plaintext untouched", async () => {
    const suite = AES_128_CTR_HMAC_SHA256_80;
    const key = baseKey(suite);
    const { sender } = await pair(suite, 1n, key);
    const plaintext = Uint8Array.of(1, 2, 3);
    await seal(sender, 1n, plaintext);
    assert.equal(toHex(key), "42".repeat(suite.nk));
    assert.equal(toHex(plaintext), "010203");
  });
});
