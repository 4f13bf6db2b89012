// One binary layout for the two lists admission puts on the wire, both pairs of a KeyPackageRef
// (RFC 9420 §5.2) and an HMAC-SHA-256 over it: the admission proofs in a commit's
// authenticated_data (admission-proof.ts) and the Welcome tags in a GroupInfo extension
// (welcome-tag.ts). Fixed widths, since Conclave's one MLS suite hashes with SHA-256:
//
//   version (1 byte, = 1) | count (1 byte, 1-255) | count × ( ref (32 bytes) | mac (32 bytes) )
//
// Refs are distinct, so a reader finds at most one entry for its KeyPackage.
import { E2eeUsageError } from "../errors.ts";
import type { KeyPackageRef } from "../mls/key-package.ts";
import { constantTimeEqual } from "../sframe/bytes.ts";

export const REF_MAC_LIST_VERSION = 1;
export const KEY_PACKAGE_REF_BYTES = 32;
export const MAC_BYTES = 32;
export const MAX_REF_MAC_ENTRIES = 255;
const ENTRY_BYTES = KEY_PACKAGE_REF_BYTES + MAC_BYTES;

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
  const out = new Uint8Array(2 + entries.length * ENTRY_BYTES);
  out[0] = REF_MAC_LIST_VERSION;
  out[1] = entries.length;
  entries.forEach(({ ref, mac }, i) => {
    if (ref.length !== KEY_PACKAGE_REF_BYTES || mac.length !== MAC_BYTES) {
      throw new E2eeUsageError("a ref and a mac are 32 bytes each");
    }
    out.set(ref, 2 + i * ENTRY_BYTES);
    out.set(mac, 2 + i * ENTRY_BYTES + KEY_PACKAGE_REF_BYTES);
  });
  return out;
}

/** Decodes exactly the layout above, or says why not; never throws. */
export function decodeRefMacList(bytes: Uint8Array): RefMacListResult {
  if (bytes.length < 2) return { ok: false, reason: "truncated" };
  if (bytes[0] !== REF_MAC_LIST_VERSION) return { ok: false, reason: "unknown version" };
  const count = bytes[1] ?? 0;
  if (count === 0) return { ok: false, reason: "empty list" };
  if (bytes.length !== 2 + count * ENTRY_BYTES) return { ok: false, reason: "length mismatch" };
  const entries: RefMac[] = [];
  for (let i = 0; i < count; i++) {
    const at = 2 + i * ENTRY_BYTES;
    entries.push({
      ref: bytes.slice(at, at + KEY_PACKAGE_REF_BYTES) as KeyPackageRef,
      mac: bytes.slice(at + KEY_PACKAGE_REF_BYTES, at + ENTRY_BYTES),
    });
  }
  if (hasDuplicateRef(entries)) return { ok: false, reason: "a ref appears twice" };
  return { ok: true, entries };
}

/** The mac listed for `ref`, if any. */
export function macFor(entries: readonly RefMac[], ref: KeyPackageRef): Uint8Array | undefined {
  return entries.find((entry) => constantTimeEqual(entry.ref, ref))?.mac;
}
