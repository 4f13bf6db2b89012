// Key and salt derivation for one KID (RFC 9605 §4.4.2), and the split of a compound AEAD key into
// its encryption and authentication parts (§4.5.1). HKDF is RFC 5869, built on WebCrypto's HMAC:
// Extract and Expand are kept apart so the RFC's intermediate sframe_secret can be checked.
import { E2eeUsageError } from "../errors.ts";
import { concatBytes, encodeBigEndian } from "./bytes.ts";
import type { CipherSuite, SuiteHash } from "./suites.ts";
import { subtle } from "./webcrypto.ts";

const KEY_LABEL = new TextEncoder().encode("SFrame 1.0 Secret key ");
const SALT_LABEL = new TextEncoder().encode("SFrame 1.0 Secret salt ");

async function hmac(hash: SuiteHash, key: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>) {
  const handle = await subtle().importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  return new Uint8Array(await subtle().sign("HMAC", handle, data));
}

function hashLength(hash: SuiteHash): number {
  return hash === "SHA-256" ? 32 : 64;
}

/**
 * HKDF-Extract(salt, ikm) (RFC 5869 §2.2). An empty salt is replaced by HashLen zero bytes, as
 * RFC 5869 says; HMAC pads keys with zeros, so the result is the same, and WebCrypto refuses
 * zero-length HMAC keys.
 */
export async function hkdfExtract(
  hash: SuiteHash,
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = salt.length === 0 ? new Uint8Array(hashLength(hash)) : salt;
  return hmac(hash, key, ikm);
}

/** HKDF-Expand(prk, info, length) (RFC 5869 §2.3): T(i) = HMAC(prk, T(i-1) | info | i). */
export async function hkdfExpand(
  hash: SuiteHash,
  prk: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const blockLength = hashLength(hash);
  if (length > 255 * blockLength) throw new E2eeUsageError("HKDF-Expand length too large");
  const out = new Uint8Array(length);
  let previous = new Uint8Array(0);
  for (let i = 1, offset = 0; offset < length; i++) {
    const input = concatBytes(previous, info, Uint8Array.of(i));
    const block = await hmac(hash, prk, input);
    input.fill(0);
    previous.fill(0);
    previous = block;
    out.set(block.subarray(0, Math.min(blockLength, length - offset)), offset);
    offset += blockLength;
  }
  previous.fill(0);
  return out;
}

/** The HKDF labels of RFC 9605 §4.4.2: label ‖ KID (8 bytes BE) ‖ cipher_suite (2 bytes BE). */
export function sframeLabels(
  suite: CipherSuite,
  kid: bigint,
): { readonly key: Uint8Array<ArrayBuffer>; readonly salt: Uint8Array<ArrayBuffer> } {
  const suffix = concatBytes(encodeBigEndian(kid, 8), encodeBigEndian(BigInt(suite.id), 2));
  return { key: concatBytes(KEY_LABEL, suffix), salt: concatBytes(SALT_LABEL, suffix) };
}

export interface SframeKeyMaterial {
  /** HKDF-Extract("", base_key) */
  readonly secret: Uint8Array<ArrayBuffer>;
  /** AEAD key, Nk bytes */
  readonly key: Uint8Array<ArrayBuffer>;
  /** Nn bytes, XORed with the CTR to make each nonce (§4.4.3) */
  readonly salt: Uint8Array<ArrayBuffer>;
}

/**
 * derive_key_salt(KID, base_key) of RFC 9605 §4.4.2. The caller owns the returned bytes and should
 * erase them (`fill(0)`) once it has imported them.
 */
export async function deriveKeySalt(
  suite: CipherSuite,
  kid: bigint,
  baseKey: Uint8Array<ArrayBuffer>,
): Promise<SframeKeyMaterial> {
  const secret = await hkdfExtract(suite.hash, new Uint8Array(0), baseKey);
  const labels = sframeLabels(suite, kid);
  const key = await hkdfExpand(suite.hash, secret, labels.key, suite.nk);
  const salt = await hkdfExpand(suite.hash, secret, labels.salt, suite.nn);
  return { secret, key, salt };
}

/**
 * derive_subkeys(sframe_key) of RFC 9605 §4.5.1 for AES-CTR suites: the first Nka bytes are the
 * AES key, the remaining Nh bytes the HMAC key. Views into `key`, not copies.
 */
export function deriveSubkeys(
  nka: number,
  key: Uint8Array<ArrayBuffer>,
): { readonly encKey: Uint8Array<ArrayBuffer>; readonly authKey: Uint8Array<ArrayBuffer> } {
  return { encKey: key.subarray(0, nka), authKey: key.subarray(nka) };
}
