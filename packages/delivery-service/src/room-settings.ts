import {
  FOUNDING_SETTINGS,
  type MeetingSettings,
  ROLES_EXTENSION_TYPE,
  readRolesSettings,
} from "@conclave/protocol";
import type { Extension } from "ts-mls";

/**
 * The meeting settings as the Delivery Service follows them, from the public roles extension in a
 * commit's GroupContextExtensions proposal (@conclave/protocol roles-extension.ts has the layout).
 * The service reads only the settings, to gate knocks and tell waiting joiners why they wait; the
 * members check the whole extension and who committed it. A malformed one leaves the settings as
 * they were: the members refuse that commit anyway and roll it back.
 */
export type RoomSettings = MeetingSettings;

export { FOUNDING_SETTINGS };

/** The settings a GroupContextExtensions proposal sets, or undefined if it sets none we can read. */
export function settingsOf(extensions: readonly Extension[]): RoomSettings | undefined {
  const roles = extensions.find((e) => e.extensionType === ROLES_EXTENSION_TYPE);
  return roles === undefined ? undefined : readRolesSettings(roles.extensionData);
}
