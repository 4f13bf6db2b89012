// The words two members read to each other to check each other's device key (DESIGN §3.7,
// docs/e2ee.md "Comparing with one person"). Both sides compute
//
//   okm   = HKDF-SHA256(IKM = epoch_authenticator, salt = "conclave/pair-words/v1",
//                       info = min(fp_a, fp_b) ‖ max(fp_a, fp_b), L = 6)          (RFC 5869)
//   words = PAIR_WORD_LIST[okm[0]] … PAIR_WORD_LIST[okm[5]]
//
// where fp_a and fp_b are the two devices' fingerprints (SHA-256 of the signature key, 32 bytes,
// ordered bytewise so either side gets the same words) and epoch_authenticator is RFC 9420 §8.7's,
// from the last epoch that changed the roster (the security code's source, mls/security-code.ts).
// So the words differ for every pair, in every meeting, and change when someone joins or leaves;
// matching words mean each side sees the other's real key and both are in the same group. A
// person who presents another key under a name, or a server that splits the meeting, would have
// to hit 48 bits of HKDF output with a key or a group fixed before the words exist.
import type { Fingerprint } from "../admission/fingerprint.ts";
import { fingerprintBytes } from "../admission/fingerprint.ts";
import { E2eeUsageError } from "../errors.ts";
import { concatBytes, constantTimeEqual, onArrayBuffer } from "../sframe/bytes.ts";
import { subtle } from "../sframe/webcrypto.ts";
import { PAIR_WORD_LIST } from "./word-list.ts";

/** How many words a comparison has: 6 × 8 bits. */
export const PAIR_WORD_COUNT = 6;
export const PAIR_WORDS_LABEL = "conclave/pair-words/v1";

const SALT = new TextEncoder().encode(PAIR_WORDS_LABEL);

/** The two fingerprints in bytewise order: the same input whichever side computes it. */
function orderedPair(a: Uint8Array, b: Uint8Array): Uint8Array<ArrayBuffer> {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x < y ? concatBytes(a, b) : concatBytes(b, a);
  }
  return concatBytes(a, b);
}

/**
 * The words for the pair of devices `a` and `b` in the group whose last roster change had this
 * epoch authenticator. Order-independent: pairWords(x, a, b) equals pairWords(x, b, a).
 */
export async function pairWords(
  epochAuthenticator: Uint8Array,
  a: Fingerprint,
  b: Fingerprint,
): Promise<readonly string[]> {
  if (epochAuthenticator.length < 16) {
    throw new E2eeUsageError("an epoch authenticator has at least 16 bytes");
  }
  const first = fingerprintBytes(a);
  const second = fingerprintBytes(b);
  if (constantTimeEqual(first, second)) {
    throw new E2eeUsageError("a device does not compare words with itself");
  }
  const ikm = await subtle().importKey("raw", onArrayBuffer(epochAuthenticator), "HKDF", false, [
    "deriveBits",
  ]);
  const okm = new Uint8Array(
    await subtle().deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: SALT, info: orderedPair(first, second) },
      ikm,
      PAIR_WORD_COUNT * 8,
    ),
  );
  return Array.from(okm, (byte) => PAIR_WORD_LIST[byte] ?? "");
}
