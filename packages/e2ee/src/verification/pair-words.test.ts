import assert from "node:assert/strict";
import { hkdfSync, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { type Fingerprint, fingerprintFromBytes } from "../admission/fingerprint.ts";
import { isE2eeError } from "../errors.ts";
import { PAIR_WORD_COUNT, PAIR_WORDS_LABEL, pairWords } from "./pair-words.ts";
import { PAIR_WORD_LIST } from "./word-list.ts";

const fingerprint = (fill: number) => fingerprintFromBytes(new Uint8Array(32).fill(fill));
const randomFingerprint = (): Fingerprint => fingerprintFromBytes(randomBytes(32));
const authenticator = new Uint8Array(32).fill(7);

describe("pair comparison words", () => {
  test("are six words of the list, the same whichever side computes them", async () => {
    const alice = randomFingerprint();
    const bob = randomFingerprint();
    const hers = await pairWords(authenticator, alice, bob);
    const his = await pairWords(authenticator, bob, alice);
    assert.equal(hers.length, PAIR_WORD_COUNT);
    for (const word of hers) assert.ok(PAIR_WORD_LIST.includes(word), word);
    assert.deepEqual(hers, his);
  });

  test("match an independent HKDF-SHA256 (RFC 5869) of the ordered fingerprints", async () => {
    const low = fingerprint(0x11);
    const high = fingerprint(0xee);
    const info = Buffer.concat([Buffer.alloc(32, 0x11), Buffer.alloc(32, 0xee)]);
    const okm = new Uint8Array(hkdfSync("sha256", authenticator, PAIR_WORDS_LABEL, info, 6));
    const expected = Array.from(okm, (b) => PAIR_WORD_LIST[b]);
    assert.deepEqual(await pairWords(authenticator, high, low), expected);
  });

  test("another key for one of the two gives other words", async () => {
    const alice = randomFingerprint();
    const bob = randomFingerprint();
    const mallory = randomFingerprint();
    const real = await pairWords(authenticator, alice, bob);
    assert.notDeepEqual(await pairWords(authenticator, alice, mallory), real);
    // A single flipped bit in the key's fingerprint is enough.
    const bytes = Buffer.from(bob, "hex");
    bytes[31] = (bytes[31] ?? 0) ^ 1;
    assert.notDeepEqual(await pairWords(authenticator, alice, fingerprintFromBytes(bytes)), real);
  });

  test("another group or roster (epoch authenticator) gives other words for the same pair", async () => {
    const alice = randomFingerprint();
    const bob = randomFingerprint();
    const other = new Uint8Array(32).fill(8);
    assert.notDeepEqual(
      await pairWords(authenticator, alice, bob),
      await pairWords(other, alice, bob),
    );
  });

  test("are spread over the whole list", async () => {
    const alice = randomFingerprint();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      for (const word of await pairWords(authenticator, alice, randomFingerprint())) seen.add(word);
    }
    // 1200 draws from 256 words leave about 2 unseen on average; 240 is far below chance.
    assert.ok(seen.size > 240, `${seen.size} distinct words`);
  });

  test("refuse a device paired with itself and a short authenticator", async () => {
    const alice = randomFingerprint();
    await assert.rejects(pairWords(authenticator, alice, alice), isE2eeError);
    await assert.rejects(pairWords(new Uint8Array(8), alice, randomFingerprint()), isE2eeError);
  });
});
