import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  decodeSettingsFlags,
  encodeSettingsFlags,
  FOUNDING_SETTINGS,
  ROLES_VERSION,
  readRolesSettings,
} from "./roles-extension.ts";

describe("roles extension layout", () => {
  it("every settings combination survives its flags byte", () => {
    for (let flags = 0; flags < 8; flags++) {
      const settings = decodeSettingsFlags(flags);
      assert.ok(settings);
      assert.equal(encodeSettingsFlags(settings), flags);
    }
    assert.equal(encodeSettingsFlags(FOUNDING_SETTINGS), 0x02, "knocking on, nothing else");
  });

  it("a flag the layout does not define, another version or a short header reads as nothing", () => {
    assert.equal(decodeSettingsFlags(0x08), undefined);
    assert.equal(readRolesSettings(Uint8Array.of(ROLES_VERSION, 0x01, 0, 0, 0)), undefined);
    assert.equal(readRolesSettings(Uint8Array.of(2, 0x01, 0, 0, 0, 0)), undefined);
    assert.deepEqual(readRolesSettings(Uint8Array.of(ROLES_VERSION, 0x05, 0, 0, 0, 1)), {
      lobbyMandatory: true,
      knockingEnabled: false,
      locked: true,
    });
  });
});
