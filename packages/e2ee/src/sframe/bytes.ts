// Byte-string helpers for the SFrame code: big-endian integers, concatenation, hex.
// Kept to what RFC 9605's pseudocode needs (encode_big_endian, "+", xor) and nothing more.

/** Largest value of a 64-bit unsigned integer: the range of KID and CTR (RFC 9605 §4.3). */
export const MAX_U64 = (1n << 64n) - 1n;

/** Whether `value` is an integer in [0, 2^64-1]. */
export function isU64(value: bigint): boolean {
  return value >= 0n && value <= MAX_U64;
}

/** encode_big_endian(value, length) of RFC 9605 §4.4: `length` bytes, most significant first. */
export function encodeBigEndian(value: bigint, length: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(length);
  let rest = value;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

/** Concatenation of byte strings, the "+" of RFC 9605's pseudocode. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * The bytes as a view on a plain ArrayBuffer, which is what WebCrypto accepts. Copies only when
 * the caller's view sits on something else (a SharedArrayBuffer).
 */
export function onArrayBuffer(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>;
  return new Uint8Array(bytes);
}

/**
 * Equality of two byte strings whose running time depends only on their lengths, not on where
 * they differ (RFC 9605 §4.5.1 constant_time_equal). Lengths are public (the suite's Nt).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

const HEX_DIGITS = "0123456789abcdef";

/** Lower-case hex of the bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += (HEX_DIGITS[byte >> 4] ?? "") + (HEX_DIGITS[byte & 15] ?? "");
  return out;
}

/** Bytes of a hex string, or undefined if it is not an even-length string of hex digits. */
export function fromHex(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
