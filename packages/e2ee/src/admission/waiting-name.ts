// A waiting joiner's name, for the hosts (docs/e2ee.md "Waiting names"). A joiner with the invite
// secret waits for a host while the lobby is mandatory; the name it will say in its `hello` is
// sealed to the members who hold the secret too, so the host sees who asks while the server,
// which relays the upload, reads nothing:
//
//   name key = HKDF(secret, info "conclave/waiting-name/v1")        (AES-256-GCM, non-extractable)
//   sealed   = iv (12 random bytes) ‖ AES-GCM(name key, iv, UTF-8 name,
//                                             aad = "conclave/waiting-name/v1" ‖ room id ‖ KeyPackageRef)
//
// The KeyPackageRef binds the name to its upload, so the server cannot move a name to another
// device. It stays a claim: anyone holding the secret can seal any name, so hosts see it marked
// "not verified", as a knock's name.
import { checkDisplayName } from "../mls/credential.ts";
import type { KeyPackageRef } from "../mls/key-package.ts";
import { concatBytes } from "../sframe/bytes.ts";
import { subtle } from "../sframe/webcrypto.ts";
import type { InviteKeys } from "./invite-keys.ts";

const LABEL = new TextEncoder().encode("conclave/waiting-name/v1");
const IV_BYTES = 12;

function aad(keys: InviteKeys, ref: KeyPackageRef): Uint8Array<ArrayBuffer> {
  return concatBytes(LABEL, keys.roomIdBytes, ref);
}

export async function sealWaitingName(
  keys: InviteKeys,
  ref: KeyPackageRef,
  name: string,
): Promise<Uint8Array> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await subtle().encrypt(
    { name: "AES-GCM", iv, additionalData: aad(keys, ref) },
    keys.nameKey,
    new TextEncoder().encode(name),
  );
  return concatBytes(iv, new Uint8Array(sealed));
}

/** The name, or undefined if it does not open with our key for this upload or is no valid name. */
export async function openWaitingName(
  keys: InviteKeys,
  ref: KeyPackageRef,
  sealed: Uint8Array,
): Promise<string | undefined> {
  if (sealed.length <= IV_BYTES + 16) return undefined;
  try {
    const plain = await subtle().decrypt(
      { name: "AES-GCM", iv: sealed.slice(0, IV_BYTES), additionalData: aad(keys, ref) },
      keys.nameKey,
      sealed.slice(IV_BYTES),
    );
    const name = new TextDecoder("utf-8", { fatal: true }).decode(plain);
    checkDisplayName(name);
    return name;
  } catch {
    return undefined;
  }
}
