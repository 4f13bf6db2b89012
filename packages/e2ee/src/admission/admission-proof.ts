// The admission proof (DESIGN §3.2): a joiner that holds the invite secret shows it by MACing its
// own KeyPackage, so a member can tell an invited joiner from one the server slipped in:
//
//   proof = HMAC-SHA-256(admit key, "conclave/admit/v1" ‖ room id (16 bytes) ‖ KeyPackageRef (32))
//
// and, for a suite whose KeyPackageRef is 64 bytes (SHA-512: X-Wing), label "conclave/admit/v2".
//
// The KeyPackageRef hashes the whole signed KeyPackage (RFC 9420 §5.2), so a proof cannot be moved
// to another KeyPackage; the room id keeps a proof for one meeting out of another (both fields are
// fixed-width, so the concatenation is unambiguous). The committer carries the proofs of every Add
// in the commit's authenticated_data (ref-mac-list.ts), which the commit's signature covers and
// every member reads.
import type { KeyPackageRef } from "../mls/key-package.ts";
import { concatBytes } from "../sframe/bytes.ts";
import { subtle } from "../sframe/webcrypto.ts";
import type { InviteKeys } from "./invite-keys.ts";
import { isKeyPackageRefLength, MAC_BYTES } from "./ref-mac-list.ts";

const utf8 = new TextEncoder();

function proofInput(keys: InviteKeys, ref: KeyPackageRef): Uint8Array<ArrayBuffer> {
  const label = utf8.encode(ref.length === 32 ? "conclave/admit/v1" : "conclave/admit/v2");
  return concatBytes(label, keys.roomIdBytes, ref);
}

export async function makeAdmissionProof(
  keys: InviteKeys,
  ref: KeyPackageRef,
): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign("HMAC", keys.admitKey, proofInput(keys, ref)));
}

/** WebCrypto's HMAC verify compares in constant time; a wrong-length proof is simply false. */
export async function verifyAdmissionProof(
  keys: InviteKeys,
  ref: KeyPackageRef,
  proof: Uint8Array,
): Promise<boolean> {
  if (proof.length !== MAC_BYTES || !isKeyPackageRefLength(ref.length)) return false;
  return subtle().verify("HMAC", keys.admitKey, new Uint8Array(proof), proofInput(keys, ref));
}
