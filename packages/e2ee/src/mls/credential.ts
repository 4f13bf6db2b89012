// Device identity and the MLS credential that carries it (RFC 9420 §5.3). Each device has one
// long-term Ed25519 signature key; its MLS credential is a "basic" credential whose identity is
//
//   version (1 byte, = 2) | device id length (1) | device id (UTF-8)
//
// and nothing else. KeyPackages, commits and their leaf nodes are public to the Delivery Service,
// so a display name in the credential would be read by the server: names travel instead in a
// `hello` application message, encrypted and signed by the owner's leaf key (member/app-message).
// The fingerprint that people compare and pin is SHA-256 of the signature public key.
import type { Credential } from "ts-mls";
import { MlsSessionError } from "../errors.ts";
import { concatBytes, toHex } from "../sframe/bytes.ts";
import { subtle } from "../sframe/webcrypto.ts";

export const IDENTITY_VERSION = 2;
/** Longest device id and display name, in UTF-8 bytes. */
export const MAX_DEVICE_ID_BYTES = 64;
export const MAX_DISPLAY_NAME_BYTES = 128;

/** What a credential says: the device id only. */
export interface CredentialIdentity {
  readonly deviceId: string;
}

/** Who a device says it is: its device id, and the name it tells the group in `hello`. */
export interface MemberIdentity extends CredentialIdentity {
  readonly displayName: string;
}

/** A device's long-term signing key and the identity it signs for. Keep it in the worker. */
export interface DeviceIdentity extends MemberIdentity {
  readonly signaturePublicKey: Uint8Array;
  readonly signaturePrivateKey: Uint8Array;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
// C0/C1 controls, bidi overrides and isolates: a name must not reorder or hide what follows it.
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

function checkText(what: string, value: string, maxBytes: number): Uint8Array {
  const bytes = utf8.encode(value);
  if (bytes.length === 0 || bytes.length > maxBytes || FORBIDDEN.test(value)) {
    throw new MlsSessionError(
      "MLS_CREDENTIAL_INVALID",
      `${what} must be 1-${maxBytes} UTF-8 bytes without control characters`,
    );
  }
  return bytes;
}

/** Refuses a display name that is empty, too long, or holds control or bidi characters. */
export function checkDisplayName(name: string): void {
  checkText("display name", name, MAX_DISPLAY_NAME_BYTES);
}

/** The credential identity bytes for `identity` (layout above). Throws MLS_CREDENTIAL_INVALID. */
export function encodeIdentity(identity: CredentialIdentity): Uint8Array {
  const device = checkText("device id", identity.deviceId, MAX_DEVICE_ID_BYTES);
  return concatBytes(Uint8Array.of(IDENTITY_VERSION, device.length), device);
}

/** Parses credential identity bytes; throws MLS_CREDENTIAL_INVALID on anything but the layout. */
export function decodeIdentity(bytes: Uint8Array): CredentialIdentity {
  const fail = (why: string) => new MlsSessionError("MLS_CREDENTIAL_INVALID", why);
  if (bytes[0] !== IDENTITY_VERSION) throw fail("unknown identity version");
  const deviceLength = bytes[1] ?? 0;
  if (bytes.length !== 2 + deviceLength) throw fail("identity length mismatch");
  let deviceId: string;
  try {
    deviceId = strictUtf8.decode(bytes.subarray(2));
  } catch {
    throw fail("identity is not UTF-8");
  }
  // Re-check the limits and characters the encoder enforces.
  checkText("device id", deviceId, MAX_DEVICE_ID_BYTES);
  return { deviceId };
}

/** The MLS credential (RFC 9420 §5.3, type basic) for a device identity. */
export function credentialFor(identity: CredentialIdentity): Credential {
  return { credentialType: "basic", identity: encodeIdentity(identity) };
}

/** The identity inside a credential; throws MLS_CREDENTIAL_INVALID for any other shape. */
export function identityOfCredential(credential: Credential): CredentialIdentity {
  if (credential.credentialType !== "basic") {
    throw new MlsSessionError("MLS_CREDENTIAL_INVALID", "only basic credentials are accepted");
  }
  return decodeIdentity(credential.identity);
}

/** SHA-256 of a signature public key: the identity fingerprint people compare and pin. */
export async function fingerprintOf(signaturePublicKey: Uint8Array): Promise<Uint8Array> {
  const digest = await subtle().digest("SHA-256", new Uint8Array(signaturePublicKey));
  return new Uint8Array(digest);
}

/** A fingerprint as lower-case hex in groups of four characters: "3fa2 09bc ...". */
export function formatFingerprint(fingerprint: Uint8Array): string {
  return (toHex(fingerprint).match(/.{1,4}/g) ?? []).join(" ");
}

/**
 * Makes a device's long-term Ed25519 signature key (RFC 9420 §5.1.2) for `identity`. The identity
 * is checked now, so a bad name fails here rather than in the first KeyPackage.
 */
export async function createDeviceIdentity(
  identity: MemberIdentity,
  suite: { signature: { keygen(): Promise<{ publicKey: Uint8Array; signKey: Uint8Array }> } },
): Promise<DeviceIdentity> {
  encodeIdentity(identity);
  checkDisplayName(identity.displayName);
  const { publicKey, signKey } = await suite.signature.keygen();
  return {
    displayName: identity.displayName,
    deviceId: identity.deviceId,
    signaturePublicKey: publicKey,
    signaturePrivateKey: signKey,
  };
}
