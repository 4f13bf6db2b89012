// One binary layout for the two lists admission puts on the wire, both pairs of a KeyPackageRef
// (RFC 9420 §5.2) and an HMAC-SHA-256 over it: the admission proofs in a commit's
// authenticated_data (admission-proof.ts) and the Welcome tags in a GroupInfo extension
// (welcome-tag.ts). Fixed widths; the version says how long a ref is, which the group's MLS suite
// fixes (RFC 9420 §5.2 RefHash: SHA-256 for suite 1, SHA-512 for X-Wing, mls/ciphersuite.ts):
//
//   version (1 byte, 1 or 2) | count (1 byte, 1-255) | count × ( ref (32 or 64 bytes) | mac (32) )
//
// Refs are distinct, so a reader finds at most one entry for its KeyPackage.
import { E2eeUsageError } from "../errors.ts";
import type { KeyPackageRef } from "../mls/key-package.ts";
import { constantTimeEqual } from "../sframe/bytes.ts";

/** The ref length of each layout version. */
const REF_BYTES_BY_VERSION: Readonly<Record<number, number>> = { 1: 32, 2: 64 };
export const MAC_BYTES = 32;
export const MAX_REF_MAC_ENTRIES = 255;

/** True for the length of a KeyPackageRef of a suite Conclave runs (32 or 64 bytes). */
export function isKeyPackageRefLength(length: number): boolean {
  return Object.values(REF_BYTES_BY_VERSION).includes(length);
}

export interface RefMac {
  readonly ref: KeyPackageRef;
  readonly mac: Uint8Array;
}

export type RefMacListResult =
  | { readonly ok: true; readonly entries: readonly RefMac[] }
  | { readonly ok: false; readonly reason: string };

function hasDuplicateRef(entries: readonly RefMac[]): boolean {
  return entries.some((a, i) => entries.some((b, j) => j > i && constantTimeEqual(a.ref, b.ref)));
}

/** Encodes the list; throws E2EE_USAGE for a wrong width, a repeated ref, or 0 or >255 entries. */
export function encodeRefMacList(entries: readonly RefMac[]): Uint8Array {
  if (entries.length === 0 || entries.length > MAX_REF_MAC_ENTRIES) {
    throw new E2eeUsageError(`a ref/mac list holds 1-${MAX_REF_MAC_ENTRIES} entries`);
  }
  if (hasDuplicateRef(entries)) throw new E2eeUsageError("a ref/mac list names a ref twice");
  const refBytes = entries[0]?.ref.length ?? 0;
  const version = Object.entries(REF_BYTES_BY_VERSION).find(([, n]) => n === refBytes)?.[0];
  if (version === undefined) throw new E2eeUsageError("a ref is 32 or 64 bytes");
  const entryBytes = refBytes + MAC_BYTES;
  const out = new Uint8Array(2 + entries.length * entryBytes);
  out[0] = Number(version);
  out[1] = entries.length;
  entries.forEach(({ ref, mac }, i) => {
    if (ref.length !== refBytes || mac.length !== MAC_BYTES) {
      throw new E2eeUsageError("every ref of a list has one length, and a mac is 32 bytes");
    }
    out.set(ref, 2 + i * entryBytes);
    out.set(mac, 2 + i * entryBytes + refBytes);
  });
  return out;
}

/** Decodes exactly the layout above, or says why not; never throws. */
export function decodeRefMacList(bytes: Uint8Array): RefMacListResult {
  if (bytes.length < 2) return { ok: false, reason: "truncated" };
  const refBytes = REF_BYTES_BY_VERSION[bytes[0] ?? 0];
  if (refBytes === undefined) return { ok: false, reason: "unknown version" };
  const entryBytes = refBytes + MAC_BYTES;
  const count = bytes[1] ?? 0;
  if (count === 0) return { ok: false, reason: "empty list" };
  if (bytes.length !== 2 + count * entryBytes) return { ok: false, reason: "length mismatch" };
  const entries: RefMac[] = [];
  for (let i = 0; i < count; i++) {
    const at = 2 + i * entryBytes;
    entries.push({
      ref: bytes.slice(at, at + refBytes) as KeyPackageRef,
      mac: bytes.slice(at + refBytes, at + entryBytes),
    });
  }
  if (hasDuplicateRef(entries)) return { ok: false, reason: "a ref appears twice" };
  return { ok: true, entries };
}

/** The mac listed for `ref`, if any. */
export function macFor(entries: readonly RefMac[], ref: KeyPackageRef): Uint8Array | undefined {
  return entries.find((entry) => constantTimeEqual(entry.ref, ref))?.mac;
}
