import type { Extension } from "ts-mls";

/**
 * The meeting settings as the Delivery Service follows them, from the public roles extension in a
 * commit's GroupContextExtensions proposal (type 0xF0C2, laid out in
 * packages/e2ee/src/admission/meeting-roles.ts: version byte 1, then a flags byte). The service
 * reads only these flags, to gate knocks and tell waiting joiners why they wait; the members check
 * the whole extension and who committed it. A malformed one leaves the settings as they were: the
 * members refuse that commit anyway and roll it back.
 */
export interface RoomSettings {
  readonly lobbyMandatory: boolean;
  readonly knockingEnabled: boolean;
  readonly locked: boolean;
}

const MEETING_ROLES_EXTENSION_TYPE = 0xf0c2;
const ROLES_VERSION = 1;
const FLAG_LOBBY_MANDATORY = 0x01;
const FLAG_KNOCKING_ENABLED = 0x02;
const FLAG_LOCKED = 0x04;

/** A founding group's settings (meeting-roles.ts DEFAULT_SETTINGS). */
export const FOUNDING_SETTINGS: RoomSettings = {
  lobbyMandatory: false,
  knockingEnabled: true,
  locked: false,
};

/** The settings a GroupContextExtensions proposal sets, or undefined if it sets none we can read. */
export function settingsOf(extensions: readonly Extension[]): RoomSettings | undefined {
  const roles = extensions.find((e) => e.extensionType === MEETING_ROLES_EXTENSION_TYPE);
  const data = roles?.extensionData;
  if (data === undefined || data.length < 2 || data[0] !== ROLES_VERSION) return undefined;
  const flags = data[1] ?? 0;
  return {
    lobbyMandatory: (flags & FLAG_LOBBY_MANDATORY) !== 0,
    knockingEnabled: (flags & FLAG_KNOCKING_ENABLED) !== 0,
    locked: (flags & FLAG_LOCKED) !== 0,
  };
}
