// A device's MLS signing key held as a non-extractable WebCrypto Ed25519 key, so that no script,
// not even the worker that uses it, can read its bytes.
//
// ts-mls 1.6.4 signs everything (KeyPackages, leaf nodes, commits, GroupInfos, messages) through
// its CiphersuiteImpl: `suite.signature.sign(signKey, message)`, where `signKey` is the Uint8Array
// the device's KeyPackage was made with and its ClientState keeps as `signaturePrivateKey`. Those
// bytes go nowhere else: ts-mls never derives, compares or encodes them (its JSON codec aside,
// which Conclave does not use). So a device whose key must not be exported puts a *handle* there:
//
//   handle = "CNCLKEY1" (8 bytes) ‖ 32 random bytes
//
// registered in this module with the CryptoKey. loadMlsCiphersuite() wraps the suite's signer
// (`signerWithHandles`): a handle signs with its CryptoKey through WebCrypto (RFC 8032 Ed25519,
// deterministic, so the signatures are those raw key bytes would give); anything else is raw key
// bytes and signs as before (the bot, tests). A handle is no secret: outside the registry of the
// worker that made it, it signs nothing.
import type { CiphersuiteImpl } from "ts-mls";
import { E2eeUsageError } from "../errors.ts";
import { concatBytes, toHex } from "../sframe/bytes.ts";
import { type CryptoKeyHandle, subtle } from "../sframe/webcrypto.ts";
import {
  checkDisplayName,
  type DeviceIdentity,
  encodeIdentity,
  type MemberIdentity,
} from "./credential.ts";

type Signer = CiphersuiteImpl["signature"];

const MAGIC = new TextEncoder().encode("CNCLKEY1");
export const SIGNING_KEY_HANDLE_BYTES = MAGIC.length + 32;

const registry = new Map<string, CryptoKeyHandle>();

/** True for bytes laid out as a handle (registered or not). */
export function isSigningKeyHandle(bytes: Uint8Array): boolean {
  return bytes.length === SIGNING_KEY_HANDLE_BYTES && MAGIC.every((byte, i) => bytes[i] === byte);
}

/** Registers a private Ed25519 CryptoKey that may sign; returns the handle MLS will carry. */
export function registerSigningKey(privateKey: CryptoKeyHandle): Uint8Array {
  if (privateKey.type !== "private" || !privateKey.usages.includes("sign")) {
    throw new E2eeUsageError("a signing key must be a private key usable to sign");
  }
  const handle = concatBytes(MAGIC, globalThis.crypto.getRandomValues(new Uint8Array(32)));
  registry.set(toHex(handle), privateKey);
  return handle;
}

/** The suite's signer, taught to sign with registered CryptoKeys for their handles. */
export function signerWithHandles(inner: Signer): Signer {
  return {
    async sign(signKey, message) {
      if (!isSigningKeyHandle(signKey)) return inner.sign(signKey, message);
      const key = registry.get(toHex(signKey));
      if (key === undefined)
        throw new E2eeUsageError("a signing key handle this worker never made");
      return new Uint8Array(await subtle().sign("Ed25519", key, new Uint8Array(message)));
    },
    verify: (publicKey, message, signature) => inner.verify(publicKey, message, signature),
    keygen: () => inner.keygen(),
  };
}

/** A fresh Ed25519 key pair whose private half can never be exported. */
export async function generateSigningKey(): Promise<{
  readonly publicKey: Uint8Array;
  readonly privateKey: CryptoKeyHandle;
}> {
  const pair = (await subtle().generateKey("Ed25519", false, ["sign", "verify"])) as {
    publicKey: CryptoKeyHandle;
    privateKey: CryptoKeyHandle;
  };
  const publicKey = new Uint8Array(await subtle().exportKey("raw", pair.publicKey));
  return { publicKey, privateKey: pair.privateKey };
}

/**
 * A device identity that signs with `privateKey` (non-extractable, kept by the caller, e.g. in
 * IndexedDB) through a handle; `signaturePublicKey` is its public half, raw (32 bytes).
 */
export function deviceIdentityWithKey(
  identity: MemberIdentity,
  signaturePublicKey: Uint8Array,
  privateKey: CryptoKeyHandle,
): DeviceIdentity {
  encodeIdentity(identity);
  checkDisplayName(identity.displayName);
  if (signaturePublicKey.length !== 32)
    throw new E2eeUsageError("an Ed25519 public key is 32 bytes");
  return {
    displayName: identity.displayName,
    deviceId: identity.deviceId,
    signaturePublicKey,
    signaturePrivateKey: registerSigningKey(privateKey),
  };
}
