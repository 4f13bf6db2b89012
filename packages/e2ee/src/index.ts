// @conclave/e2ee: end-to-end encryption for Conclave. For now the SFrame layer (RFC 9605).
export { E2eeError, type E2eeErrorCode, E2eeUsageError, isE2eeError } from "./errors.ts";
export { type AeadKey, frameNonce, importAeadKey } from "./sframe/cipher.ts";
export {
  createSframeContext,
  type DecryptFailure,
  type DecryptResult,
  type EncryptFailure,
  type EncryptResult,
  type KeyUsage,
  MIN_BASE_KEY_LENGTH,
  type SframeContext,
  type SframeContextOptions,
} from "./sframe/context.ts";
export {
  decodeHeader,
  encodeHeader,
  type HeaderDecodeFailure,
  type HeaderDecodeResult,
  headerLength,
  type SframeHeader,
} from "./sframe/header.ts";
export { deriveKeySalt, deriveSubkeys, type SframeKeyMaterial } from "./sframe/key-derivation.ts";
export { DEFAULT_REPLAY_WINDOW, type ReplayVerdict, ReplayWindow } from "./sframe/replay-window.ts";
export {
  AES_128_CTR_HMAC_SHA256_32,
  AES_128_CTR_HMAC_SHA256_64,
  AES_128_CTR_HMAC_SHA256_80,
  AES_128_GCM_SHA256_128,
  AES_256_CTR_HMAC_SHA512_32,
  AES_256_CTR_HMAC_SHA512_64,
  AES_256_CTR_HMAC_SHA512_80,
  AES_256_GCM_SHA512_128,
  type CipherSuite,
  cipherSuiteById,
  IANA_256_CTR_SUITES,
  RFC9605_SUITES,
  type SuiteAead,
  type SuiteHash,
} from "./sframe/suites.ts";
