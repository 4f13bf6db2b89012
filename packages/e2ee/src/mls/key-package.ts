// Short-lived KeyPackages (RFC 9420 §10). A joiner makes a fresh one for each join; it is valid for
// at most 10 minutes, so a KeyPackage the server kept back cannot be used to add the device later.
// Before adding one, a member checks its lifetime against its own clock, allowing one minute of
// skew either way, and parses its credential; anything else is refused with a typed code.
import type { Brand } from "@conclave/protocol";
import {
  type CiphersuiteImpl,
  decodeMlsMessage,
  defaultCapabilities,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  type KeyPackage,
  type PrivateKeyPackage,
} from "ts-mls";
import { makeKeyPackageRef } from "ts-mls/keyPackage.js";
import { MEETING_ROLES_EXTENSION_TYPE } from "../admission/meeting-roles.ts";
import { MlsSessionError } from "../errors.ts";
import { MLS_CIPHERSUITE_NAME, suiteOfKeyPackage } from "./ciphersuite.ts";
import {
  type CredentialIdentity,
  credentialFor,
  type DeviceIdentity,
  identityOfCredential,
} from "./credential.ts";
import { GROUP_PIN_EXTENSION_TYPE } from "./group-pin.ts";

/** Longest lifetime (notAfter - notBefore) a KeyPackage may have, in seconds. */
export const KEY_PACKAGE_MAX_LIFETIME_SECONDS = 600;
/** How far the clocks of two devices may disagree, in seconds. */
export const CLOCK_SKEW_SECONDS = 60;
/** The GroupContext extensions every Conclave group carries (a leaf must support): pin, roles. */
const CONCLAVE_GROUP_EXTENSIONS = [GROUP_PIN_EXTENSION_TYPE, MEETING_ROLES_EXTENSION_TYPE];

export interface KeyPackageBundle {
  readonly publicPackage: KeyPackage;
  /** HPKE init and leaf private keys: the joiner keeps these until it joins, then erases them. */
  readonly privatePackage: PrivateKeyPackage;
  /** The KeyPackage as an MLSMessage (RFC 9420 §6), what the joiner sends. */
  readonly encoded: Uint8Array;
}

export interface MakeKeyPackageOptions {
  /** Milliseconds since 1970 (default Date.now()). */
  readonly now?: number;
  /** Total lifetime in seconds, at most 600 (the default). */
  readonly lifetimeSeconds?: number;
}

const toSeconds = (ms: number) => BigInt(Math.floor(ms / 1000));

/**
 * A fresh KeyPackage for `device`. Its lifetime starts one skew-minute in the past, so that a
 * member whose clock is a little behind still accepts it, and lasts `lifetimeSeconds` in total.
 */
export async function makeKeyPackage(
  device: DeviceIdentity,
  suite: CiphersuiteImpl,
  options: MakeKeyPackageOptions = {},
): Promise<KeyPackageBundle> {
  const lifetime = options.lifetimeSeconds ?? KEY_PACKAGE_MAX_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime <= CLOCK_SKEW_SECONDS) {
    throw new MlsSessionError(
      "MLS_KEY_PACKAGE_LIFETIME_TOO_LONG",
      `lifetime must be an integer number of seconds above ${CLOCK_SKEW_SECONDS}`,
    );
  }
  if (lifetime > KEY_PACKAGE_MAX_LIFETIME_SECONDS) {
    throw new MlsSessionError(
      "MLS_KEY_PACKAGE_LIFETIME_TOO_LONG",
      `lifetime above ${KEY_PACKAGE_MAX_LIFETIME_SECONDS} s`,
    );
  }
  const notBefore = toSeconds(options.now ?? Date.now()) - BigInt(CLOCK_SKEW_SECONDS);
  const capabilities = defaultCapabilities();
  capabilities.extensions = [...capabilities.extensions, ...CONCLAVE_GROUP_EXTENSIONS];
  const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
    credentialFor(device),
    capabilities,
    { notBefore, notAfter: notBefore + BigInt(lifetime) },
    [],
    { signKey: device.signaturePrivateKey, publicKey: device.signaturePublicKey },
    suite,
  );
  const encoded = encodeMlsMessage({
    version: "mls10",
    wireformat: "mls_key_package",
    keyPackage: publicPackage,
  });
  return { publicPackage, privatePackage, encoded };
}

/** The KeyPackage inside MLSMessage bytes; throws MLS_KEY_PACKAGE_INVALID if that is not one. */
export function decodeKeyPackage(bytes: Uint8Array): KeyPackage {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || decoded[1] !== bytes.length) {
    throw new MlsSessionError("MLS_KEY_PACKAGE_INVALID", "not an MLS KeyPackage message");
  }
  const message = decoded[0];
  if (message.wireformat !== "mls_key_package") {
    throw new MlsSessionError("MLS_KEY_PACKAGE_INVALID", "not an MLS KeyPackage message");
  }
  return message.keyPackage;
}

/**
 * Checks what the clock and Conclave's rules say about a KeyPackage before it is added (RFC 9420
 * §10.1 leaves the lifetime policy to the application). Returns the identity it carries. Its
 * signatures are verified by ts-mls when the Add is committed.
 */
export function validateKeyPackage(
  keyPackage: KeyPackage,
  options: { readonly now?: number; readonly suite?: string } = {},
): CredentialIdentity {
  const now = toSeconds(options.now ?? Date.now());
  const skew = BigInt(CLOCK_SKEW_SECONDS);
  const maximum = BigInt(KEY_PACKAGE_MAX_LIFETIME_SECONDS);
  const suite = options.suite ?? MLS_CIPHERSUITE_NAME;
  if (keyPackage.cipherSuite !== suite || keyPackage.version !== "mls10") {
    throw new MlsSessionError("MLS_KEY_PACKAGE_INVALID", "KeyPackage for another suite or version");
  }
  const { leafNode } = keyPackage;
  if (leafNode.leafNodeSource !== "key_package") {
    throw new MlsSessionError("MLS_KEY_PACKAGE_INVALID", "leaf node is not from a KeyPackage");
  }
  const { notBefore, notAfter } = leafNode.lifetime;
  if (notAfter - notBefore > maximum) {
    throw new MlsSessionError(
      "MLS_KEY_PACKAGE_LIFETIME_TOO_LONG",
      `KeyPackage lifetime ${notAfter - notBefore} s is above ${maximum} s`,
    );
  }
  if (notAfter < now - skew) {
    throw new MlsSessionError("MLS_KEY_PACKAGE_EXPIRED", "KeyPackage has expired");
  }
  if (notBefore > now + skew) {
    throw new MlsSessionError("MLS_KEY_PACKAGE_NOT_YET_VALID", "KeyPackage starts in the future");
  }
  checkLeafCapabilities(leafNode.capabilities.extensions);
  return identityOfCredential(leafNode.credential);
}

/** Refuses a leaf that does not declare support for the group pin and the roles extension. */
export function checkLeafCapabilities(extensions: readonly number[]): void {
  if (!CONCLAVE_GROUP_EXTENSIONS.every((type) => extensions.includes(type))) {
    throw new MlsSessionError(
      "MLS_KEY_PACKAGE_INVALID",
      "KeyPackage does not support the Conclave group pin and roles",
    );
  }
}

/** RefHash("MLS 1.0 KeyPackage Reference", KeyPackage): names one KeyPackage (RFC 9420 §5.2). */
export type KeyPackageRef = Brand<Uint8Array, "KeyPackageRef">;

/** KeyPackageRef (RFC 9420 §5.2): what admission proofs and Welcome tags bind to. */
export async function keyPackageRef(
  keyPackage: KeyPackage,
  suite?: CiphersuiteImpl,
): Promise<KeyPackageRef> {
  // RFC 9420 §5.2: RefHash with the hash of the KeyPackage's own cipher suite.
  const own = suite?.name === keyPackage.cipherSuite ? suite : await suiteOfKeyPackage(keyPackage);
  return (await makeKeyPackageRef(keyPackage, own.hash)) as KeyPackageRef;
}
