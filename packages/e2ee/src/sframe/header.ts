// The SFrame header (RFC 9605 §4.3): one config byte |X|K(3)|Y|C(3)| followed by the KID, then
// the CTR, each as a minimal big-endian integer when it does not fit in the 3 bits of K or C.
import { E2eeUsageError } from "../errors.ts";
import { encodeBigEndian, isU64 } from "./bytes.ts";

/** The two values an SFrame header carries. Both are unsigned 64-bit integers. */
export interface SframeHeader {
  readonly kid: bigint;
  readonly ctr: bigint;
}

/** Why a byte string is not an SFrame header. */
export type HeaderDecodeFailure =
  /** fewer bytes than the config byte says the header has */
  | "truncated"
  /** a KID or CTR not in its minimal form, which RFC 9605 §4.3 requires ("MUST be encoded with
   * the minimum number of bytes"); accepting it would give one (KID, CTR) two encodings */
  | "non-minimal";

export type HeaderDecodeResult =
  | { readonly ok: true; readonly header: SframeHeader; readonly length: number }
  | { readonly ok: false; readonly reason: HeaderDecodeFailure };

const EXTENDED_KID = 0x80;
const EXTENDED_CTR = 0x08;
/** Values 0-7 ride in the config byte itself (RFC 9605 §4.3). */
const INLINE_LIMIT = 8n;

/** Number of bytes in the minimal big-endian encoding of a value (at least 1). */
function minimalLength(value: bigint): number {
  let length = 1;
  for (let rest = value >> 8n; rest > 0n; rest >>= 8n) length++;
  return length;
}

/** Byte length of the header that `encodeHeader` makes for these values. */
export function headerLength(header: SframeHeader): number {
  const kidBytes = header.kid < INLINE_LIMIT ? 0 : minimalLength(header.kid);
  const ctrBytes = header.ctr < INLINE_LIMIT ? 0 : minimalLength(header.ctr);
  return 1 + kidBytes + ctrBytes;
}

/**
 * encode_sframe_header of RFC 9605 §4.4.3. Throws an E2eeUsageError if KID or CTR is outside
 * [0, 2^64-1]: that is a caller's mistake, not a property of a frame.
 */
export function encodeHeader(header: SframeHeader): Uint8Array<ArrayBuffer> {
  const { kid, ctr } = header;
  if (!isU64(kid)) throw new E2eeUsageError("SFrame KID must be an integer in [0, 2^64-1]");
  if (!isU64(ctr)) throw new E2eeUsageError("SFrame CTR must be an integer in [0, 2^64-1]");
  const out = new Uint8Array(headerLength(header));
  let config = 0;
  let offset = 1;
  if (kid < INLINE_LIMIT) {
    config |= Number(kid) << 4;
  } else {
    const length = minimalLength(kid);
    config |= EXTENDED_KID | ((length - 1) << 4);
    out.set(encodeBigEndian(kid, length), offset);
    offset += length;
  }
  if (ctr < INLINE_LIMIT) {
    config |= Number(ctr);
  } else {
    const length = minimalLength(ctr);
    config |= EXTENDED_CTR | (length - 1);
    out.set(encodeBigEndian(ctr, length), offset);
  }
  out[0] = config;
  return out;
}

type FieldResult =
  | { readonly ok: true; readonly value: bigint; readonly next: number }
  | { readonly ok: false; readonly reason: HeaderDecodeFailure };

/** One KID or CTR field: inline in the config bits, or `bits + 1` bytes at `offset`. */
function readField(data: Uint8Array, extended: boolean, bits: number, offset: number): FieldResult {
  if (!extended) return { ok: true, value: BigInt(bits), next: offset };
  const length = bits + 1;
  if (data.length < offset + length) return { ok: false, reason: "truncated" };
  let value = 0n;
  for (let i = 0; i < length; i++) value = (value << 8n) | BigInt(data[offset + i] ?? 0);
  if (value < INLINE_LIMIT || minimalLength(value) !== length) {
    return { ok: false, reason: "non-minimal" };
  }
  return { ok: true, value, next: offset + length };
}

/**
 * Reads the SFrame header at the start of `data`. Bytes after the header are the caller's (the
 * AEAD ciphertext); `length` says where they start. Never throws.
 */
export function decodeHeader(data: Uint8Array): HeaderDecodeResult {
  const config = data[0];
  if (config === undefined) return { ok: false, reason: "truncated" };
  const kid = readField(data, (config & EXTENDED_KID) !== 0, (config >> 4) & 0x07, 1);
  if (!kid.ok) return kid;
  const ctr = readField(data, (config & EXTENDED_CTR) !== 0, config & 0x07, kid.next);
  if (!ctr.ok) return ctr;
  return { ok: true, header: { kid: kid.value, ctr: ctr.value }, length: ctr.next };
}
