// Identity fingerprints as the admission rules use them: roles, the deny-list and a knock link's
// pinned host name a device by the SHA-256 of its signature key (mls/credential.ts), never by a
// leaf index, which the next Add may give to someone else.
import type { Brand } from "@conclave/protocol";
import type { KeyPackage } from "ts-mls";
import { E2eeUsageError } from "../errors.ts";
import { fingerprintOf } from "../mls/credential.ts";
import { fromHex, toHex } from "../sframe/bytes.ts";

/** SHA-256 of a signature public key, as 64 lower-case hex digits. */
export type Fingerprint = Brand<string, "Fingerprint">;

export const FINGERPRINT_BYTES = 32;

/** The fingerprint of these 32 bytes (a roster entry's `fingerprint`). */
export function fingerprintFromBytes(bytes: Uint8Array): Fingerprint {
  if (bytes.length !== FINGERPRINT_BYTES) throw new E2eeUsageError("a fingerprint is 32 bytes");
  return toHex(bytes) as Fingerprint;
}

/**
 * A fingerprint typed or shown as hex, with any spaces (the roster shows "3fa2 09bc ..."), in
 * either case; undefined if it is not 32 bytes of hex.
 */
export function parseFingerprint(text: string): Fingerprint | undefined {
  const hex = text.replace(/ /g, "").toLowerCase();
  const bytes = fromHex(hex);
  return bytes?.length === FINGERPRINT_BYTES ? (hex as Fingerprint) : undefined;
}

export function fingerprintBytes(fingerprint: Fingerprint): Uint8Array<ArrayBuffer> {
  const bytes = fromHex(fingerprint);
  if (bytes === undefined) throw new E2eeUsageError("not a fingerprint");
  return bytes;
}

/** The fingerprint of the device a KeyPackage is for. */
export async function fingerprintOfKeyPackage(keyPackage: KeyPackage): Promise<Fingerprint> {
  return fingerprintFromBytes(await fingerprintOf(keyPackage.leafNode.signaturePublicKey));
}
