// SFrame cipher suites: RFC 9605 §4.5 Table 1 for the constants, §8.1 (IANA registry) for the ids.

/** The hash a suite uses for HKDF (RFC 9605 §4.4.2) and, for AES-CTR suites, for HMAC (§4.5.1). */
export type SuiteHash = "SHA-256" | "SHA-512";

/** How a suite authenticates: AES-GCM, or the AES-CTR + HMAC compound AEAD of §4.5.1. */
export type SuiteAead =
  | { readonly kind: "aes-gcm" }
  | {
      readonly kind: "aes-ctr-hmac" /** AEAD.Nka: AES key bytes, the first part of the key */;
      readonly nka: number;
    };

export interface CipherSuite {
  /** 2-byte identifier from the IANA "SFrame Cipher Suites" registry */
  readonly id: number;
  readonly name: string;
  readonly hash: SuiteHash;
  /** Hash.Nh: bytes of hash output */
  readonly nh: number;
  /** AEAD.Nk: bytes of the AEAD key (for AES-CTR suites, Nka + Nh) */
  readonly nk: number;
  /** AEAD.Nn: bytes of the nonce */
  readonly nn: number;
  /** AEAD.Nt: bytes of the tag */
  readonly nt: number;
  readonly aead: SuiteAead;
}

/** RFC 9605 §4.5.1: AES-CTR with HMAC, at the 128-bit (SHA-256) or the 256-bit (SHA-512) level. */
function ctrHmac(id: number, name: string, nt: number, level: 128 | 256 = 128): CipherSuite {
  const nka = level / 8;
  const nh = level === 128 ? 32 : 64;
  const hash = level === 128 ? "SHA-256" : "SHA-512";
  return { id, name, hash, nh, nk: nka + nh, nn: 12, nt, aead: { kind: "aes-ctr-hmac", nka } };
}

export const AES_128_CTR_HMAC_SHA256_80 = ctrHmac(0x0001, "AES_128_CTR_HMAC_SHA256_80", 10);
export const AES_128_CTR_HMAC_SHA256_64 = ctrHmac(0x0002, "AES_128_CTR_HMAC_SHA256_64", 8);
export const AES_128_CTR_HMAC_SHA256_32 = ctrHmac(0x0003, "AES_128_CTR_HMAC_SHA256_32", 4);
export const AES_128_GCM_SHA256_128: CipherSuite = {
  id: 0x0004,
  name: "AES_128_GCM_SHA256_128",
  hash: "SHA-256",
  nh: 32,
  nk: 16,
  nn: 12,
  nt: 16,
  aead: { kind: "aes-gcm" },
};
export const AES_256_GCM_SHA512_128: CipherSuite = {
  id: 0x0005,
  name: "AES_256_GCM_SHA512_128",
  hash: "SHA-512",
  nh: 64,
  nk: 32,
  nn: 12,
  nt: 16,
  aead: { kind: "aes-gcm" },
};

/** The five suites RFC 9605 defines. */
export const RFC9605_SUITES: readonly CipherSuite[] = [
  AES_128_CTR_HMAC_SHA256_80,
  AES_128_CTR_HMAC_SHA256_64,
  AES_128_CTR_HMAC_SHA256_32,
  AES_128_GCM_SHA256_128,
  AES_256_GCM_SHA512_128,
];

// Not in RFC 9605: the same §4.5.1 construction at the 256-bit level, registered by IANA from
// draft-barnes-sframe-iana-256 (ids 6-8). Kept apart so that choosing them is deliberate; the
// shared test vectors exercise them.
export const AES_256_CTR_HMAC_SHA512_80 = ctrHmac(0x0006, "AES_256_CTR_HMAC_SHA512_80", 10, 256);
export const AES_256_CTR_HMAC_SHA512_64 = ctrHmac(0x0007, "AES_256_CTR_HMAC_SHA512_64", 8, 256);
export const AES_256_CTR_HMAC_SHA512_32 = ctrHmac(0x0008, "AES_256_CTR_HMAC_SHA512_32", 4, 256);

/** Suites registered after RFC 9605 (draft-barnes-sframe-iana-256). */
export const IANA_256_CTR_SUITES: readonly CipherSuite[] = [
  AES_256_CTR_HMAC_SHA512_80,
  AES_256_CTR_HMAC_SHA512_64,
  AES_256_CTR_HMAC_SHA512_32,
];

/** A suite by its registry id, among RFC 9605's and the 256-bit CTR ones; undefined otherwise. */
export function cipherSuiteById(id: number): CipherSuite | undefined {
  return [...RFC9605_SUITES, ...IANA_256_CTR_SUITES].find((suite) => suite.id === id);
}
