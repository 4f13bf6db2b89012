/**
 * The layout of the meeting-roles GroupContext extension (type 0xF0C2, private use, RFC 9420
 * §17.3), defined once for both sides: the members encode it and check all of it
 * (packages/e2ee/src/admission/meeting-roles.ts); the Delivery Service reads only its settings,
 * from the public commits, to gate knocks (packages/delivery-service/src/room-settings.ts).
 *
 *   version (1 byte, = 1)
 *   | flags (1 byte; bit 0 lobby mandatory, bit 1 knocking enabled, bit 2 locked; others 0)
 *   | invite secret generation (4 bytes BE)
 *   | host count (1 byte, 1-16)       | hosts     (count × 32-byte fingerprint)
 *   | co-host count (1 byte, 0-64)    | co-hosts  (count × 32)
 *   | deny count (2 bytes BE, 0-1024) | deny-list (count × 32)
 */
export const ROLES_EXTENSION_TYPE = 0xf0c2;
export const ROLES_VERSION = 1;
/** version, flags, invite generation: what comes before the lists */
export const ROLES_HEADER_BYTES = 6;
export const ROLES_FINGERPRINT_BYTES = 32;
export const MAX_HOSTS = 16;
export const MAX_CO_HOSTS = 64;
export const MAX_DENIED = 1024;

const FLAG_LOBBY_MANDATORY = 0x01;
const FLAG_KNOCKING_ENABLED = 0x02;
const FLAG_LOCKED = 0x04;
const KNOWN_FLAGS = FLAG_LOBBY_MANDATORY | FLAG_KNOCKING_ENABLED | FLAG_LOCKED;

export interface MeetingSettings {
  /** Every joiner waits for a host, even with the invite secret: only hosts commit Adds. */
  readonly lobbyMandatory: boolean;
  /** Holders of a knock link (no secret) may ask a host to be let in. */
  readonly knockingEnabled: boolean;
  /** No Add at all, whoever commits it. */
  readonly locked: boolean;
}

/** A founding group's settings. */
export const FOUNDING_SETTINGS: MeetingSettings = {
  lobbyMandatory: false,
  knockingEnabled: true,
  locked: false,
};

export function encodeSettingsFlags(settings: MeetingSettings): number {
  return (
    (settings.lobbyMandatory ? FLAG_LOBBY_MANDATORY : 0) |
    (settings.knockingEnabled ? FLAG_KNOCKING_ENABLED : 0) |
    (settings.locked ? FLAG_LOCKED : 0)
  );
}

/** The settings of a flags byte; undefined if it sets a bit the layout does not define. */
export function decodeSettingsFlags(flags: number): MeetingSettings | undefined {
  if ((flags & ~KNOWN_FLAGS) !== 0) return undefined;
  return {
    lobbyMandatory: (flags & FLAG_LOBBY_MANDATORY) !== 0,
    knockingEnabled: (flags & FLAG_KNOCKING_ENABLED) !== 0,
    locked: (flags & FLAG_LOCKED) !== 0,
  };
}

/**
 * The settings in an encoded roles extension, read from its header only; undefined if the
 * header is not this version's. The lists are the members' to check.
 */
export function readRolesSettings(data: Uint8Array): MeetingSettings | undefined {
  if (data.length < ROLES_HEADER_BYTES || data[0] !== ROLES_VERSION) return undefined;
  return decodeSettingsFlags(data[1] ?? 0);
}
