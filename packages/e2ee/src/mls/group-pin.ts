// The Conclave group pin: a GroupContext extension (RFC 9420 §13) that states "this group is E2EE
// only" and which SFrame cipher suites carry its media, so no member can be talked into a weaker
// meeting (DESIGN §7.5). Its type is in the private-use range 0xF000-0xFFFF (RFC 9420 §17.3).
//
//   version (1 byte, = 1) | flags (1 byte; bit 0 = E2EE required, others 0)
//   | video SFrame suite (2 bytes BE) | audio SFrame suite (2 bytes BE)         = 6 bytes
//
// Every KeyPackage lists the type in its capabilities (ts-mls refuses to add a leaf that does not,
// RFC 9420 §12.1.1), a joiner refuses a Welcome whose group lacks the exact pin, and a commit that
// changes or drops it is refused by every member (policy.ts).
import type { Extension } from "ts-mls";
import { MlsSessionError } from "../errors.ts";
import { AES_128_CTR_HMAC_SHA256_32, AES_128_GCM_SHA256_128 } from "../sframe/suites.ts";

export const GROUP_PIN_EXTENSION_TYPE = 0xf0c1;
const PIN_VERSION = 1;
const FLAG_E2EE_REQUIRED = 0x01;

export interface GroupPin {
  readonly e2eeRequired: boolean;
  /** SFrame cipher suite id (RFC 9605 §8.1) for video frames */
  readonly videoSuite: number;
  /** SFrame cipher suite id for audio frames */
  readonly audioSuite: number;
}

/** What Conclave pins today: E2EE on, AES-128-GCM for video, AES-128-CTR + 32-bit HMAC for audio. */
export const CONCLAVE_GROUP_PIN: GroupPin = {
  e2eeRequired: true,
  videoSuite: AES_128_GCM_SHA256_128.id,
  audioSuite: AES_128_CTR_HMAC_SHA256_32.id,
};

export function encodeGroupPin(pin: GroupPin): Uint8Array {
  return Uint8Array.of(
    PIN_VERSION,
    pin.e2eeRequired ? FLAG_E2EE_REQUIRED : 0,
    pin.videoSuite >> 8,
    pin.videoSuite & 0xff,
    pin.audioSuite >> 8,
    pin.audioSuite & 0xff,
  );
}

/** Parses the pin; undefined if it is not exactly the 6-byte layout above. */
export function decodeGroupPin(bytes: Uint8Array): GroupPin | undefined {
  if (bytes.length !== 6 || bytes[0] !== PIN_VERSION) return undefined;
  const flags = bytes[1] ?? 0;
  if ((flags & ~FLAG_E2EE_REQUIRED) !== 0) return undefined;
  return {
    e2eeRequired: (flags & FLAG_E2EE_REQUIRED) !== 0,
    videoSuite: ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0),
    audioSuite: ((bytes[4] ?? 0) << 8) | (bytes[5] ?? 0),
  };
}

export function groupPinExtension(pin: GroupPin = CONCLAVE_GROUP_PIN): Extension {
  return { extensionType: GROUP_PIN_EXTENSION_TYPE, extensionData: encodeGroupPin(pin) };
}

function samePin(a: GroupPin, b: GroupPin): boolean {
  return (
    a.e2eeRequired === b.e2eeRequired &&
    a.videoSuite === b.videoSuite &&
    a.audioSuite === b.audioSuite
  );
}

/**
 * The pin among GroupContext extensions if it is present once and equals `expected` (Conclave's),
 * else undefined.
 */
export function findGroupPin(
  extensions: readonly Extension[],
  expected: GroupPin = CONCLAVE_GROUP_PIN,
): GroupPin | undefined {
  const found = extensions.filter((e) => e.extensionType === GROUP_PIN_EXTENSION_TYPE);
  if (found.length !== 1 || found[0] === undefined) return undefined;
  const pin = decodeGroupPin(found[0].extensionData);
  return pin !== undefined && samePin(pin, expected) ? pin : undefined;
}

/** Throws MLS_GROUP_PIN_INVALID unless the extensions carry exactly Conclave's pin. */
export function requireGroupPin(extensions: readonly Extension[]): GroupPin {
  const pin = findGroupPin(extensions);
  if (pin === undefined) {
    throw new MlsSessionError(
      "MLS_GROUP_PIN_INVALID",
      "group does not pin E2EE and Conclave's SFrame suites",
    );
  }
  return pin;
}
