// The AEAD of each cipher suite (RFC 9605 §4.5): AES-GCM straight from WebCrypto, or the
// AES-CTR + HMAC encrypt-then-MAC compound of §4.5.1 with a truncated tag. Keys are imported once
// as non-extractable WebCrypto keys; the raw bytes stay with the caller, who erases them.
import { E2eeUsageError } from "../errors.ts";
import { concatBytes, constantTimeEqual, encodeBigEndian } from "./bytes.ts";
import { deriveSubkeys } from "./key-derivation.ts";
import type { CipherSuite } from "./suites.ts";
import { type CryptoKeyHandle, subtle } from "./webcrypto.ts";

/**
 * AEAD.Encrypt / AEAD.Decrypt (RFC 5116 style: the tag is the last Nt bytes of the ciphertext).
 * Both read their arguments only synchronously, before returning the promise: a caller may reuse
 * its buffers at once.
 */
export interface AeadKey {
  readonly suite: CipherSuite;
  seal(
    nonce: Uint8Array<ArrayBuffer>,
    aad: Uint8Array<ArrayBuffer>,
    plaintext: Uint8Array<ArrayBuffer>,
  ): Promise<Uint8Array<ArrayBuffer>>;
  /** The plaintext, or undefined when the ciphertext does not authenticate. Never throws. */
  open(
    nonce: Uint8Array<ArrayBuffer>,
    aad: Uint8Array<ArrayBuffer>,
    ciphertext: Uint8Array<ArrayBuffer>,
  ): Promise<Uint8Array<ArrayBuffer> | undefined>;
}

/** Imports an Nk-byte AEAD key for the suite. Throws an E2eeUsageError on a key of the wrong length. */
export async function importAeadKey(
  suite: CipherSuite,
  key: Uint8Array<ArrayBuffer>,
): Promise<AeadKey> {
  if (key.length !== suite.nk) {
    throw new E2eeUsageError(`${suite.name} needs a ${suite.nk}-byte key, got ${key.length}`);
  }
  if (suite.aead.kind === "aes-gcm") return importGcm(suite, key);
  return importCtrHmac(suite, suite.aead.nka, key);
}

async function importGcm(suite: CipherSuite, key: Uint8Array<ArrayBuffer>): Promise<AeadKey> {
  const handle = await subtle().importKey("raw", key, "AES-GCM", false, ["encrypt", "decrypt"]);
  const tagLength = suite.nt * 8;
  return {
    suite,
    async seal(nonce, aad, plaintext) {
      const params = { name: "AES-GCM", iv: nonce, additionalData: aad, tagLength };
      return new Uint8Array(await subtle().encrypt(params, handle, plaintext));
    },
    async open(nonce, aad, ciphertext) {
      if (ciphertext.length < suite.nt) return undefined;
      const params = { name: "AES-GCM", iv: nonce, additionalData: aad, tagLength };
      try {
        return new Uint8Array(await subtle().decrypt(params, handle, ciphertext));
      } catch {
        // WebCrypto reports a tag mismatch as an OperationError; to the caller it is "auth".
        return undefined;
      }
    },
  };
}

/** initial_counter = nonce ‖ 0x00000000 (RFC 9605 §4.5.1). */
function initialCounter(nonce: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  return concatBytes(nonce, new Uint8Array(4));
}

async function importCtrHmac(
  suite: CipherSuite,
  nka: number,
  key: Uint8Array<ArrayBuffer>,
): Promise<AeadKey> {
  const { encKey, authKey } = deriveSubkeys(nka, key);
  const aes = await subtle().importKey("raw", encKey, "AES-CTR", false, ["encrypt", "decrypt"]);
  const mac = await subtle().importKey("raw", authKey, { name: "HMAC", hash: suite.hash }, false, [
    "sign",
  ]);
  // The counter is the last 32 bits of the block, starting from zero, so a frame would need
  // 2^32 blocks (64 GiB) before it wrapped; WebCrypto refuses rather than wraps.
  const ctr = (nonce: Uint8Array<ArrayBuffer>) => ({
    name: "AES-CTR",
    counter: initialCounter(nonce),
    length: 32,
  });
  return {
    suite,
    async seal(nonce, aad, plaintext) {
      const ct = new Uint8Array(await subtle().encrypt(ctr(nonce), aes, plaintext));
      const tag = await computeTag(mac, suite, nonce, aad, ct);
      return concatBytes(ct, tag);
    },
    async open(nonce, aad, ciphertext) {
      if (ciphertext.length < suite.nt) return undefined;
      const split = ciphertext.length - suite.nt;
      // Our own copies, taken before the first await: the bytes checked and decrypted are then
      // exactly the bytes passed in, even if the caller reuses its buffer meanwhile.
      const innerCt = ciphertext.slice(0, split);
      const tag = ciphertext.slice(split);
      const candidate = await computeTag(mac, suite, nonce, aad, innerCt);
      // Encrypt-then-MAC: nothing is decrypted before the tag has been checked.
      if (!constantTimeEqual(tag, candidate)) return undefined;
      return new Uint8Array(await subtle().decrypt(ctr(nonce), aes, innerCt));
    },
  };
}

/**
 * compute_tag of RFC 9605 §4.5.1: HMAC over aad_len ‖ ct_len ‖ tag_len (8 bytes each, big-endian)
 * ‖ nonce ‖ aad ‖ ct, truncated to Nt bytes. The lengths make the split between aad and ct
 * unambiguous, and tag_len keeps the truncations of one key from being traded for each other.
 */
async function computeTag(
  mac: CryptoKeyHandle,
  suite: CipherSuite,
  nonce: Uint8Array<ArrayBuffer>,
  aad: Uint8Array<ArrayBuffer>,
  ct: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const authData = concatBytes(
    encodeBigEndian(BigInt(aad.length), 8),
    encodeBigEndian(BigInt(ct.length), 8),
    encodeBigEndian(BigInt(suite.nt), 8),
    nonce,
    aad,
    ct,
  );
  const full = new Uint8Array(await subtle().sign("HMAC", mac, authData));
  return full.slice(0, suite.nt);
}

/** nonce = sframe_salt XOR encode_big_endian(CTR, Nn) (RFC 9605 §4.4.3). CTR < 2^64 ≤ 2^(8·Nn). */
export function frameNonce(salt: Uint8Array, ctr: bigint): Uint8Array<ArrayBuffer> {
  const nonce = encodeBigEndian(ctr, salt.length);
  for (let i = 0; i < nonce.length; i++) nonce[i] = (nonce[i] ?? 0) ^ (salt[i] ?? 0);
  return nonce;
}
