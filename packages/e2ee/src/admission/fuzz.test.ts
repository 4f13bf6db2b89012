// The admission decoders fed random and mutated input: each answers ok or a reason, never throws,
// and whatever it accepts encodes back to the same bytes (one encoding per value).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { KeyPackageRef } from "../mls/key-package.ts";
import { seededRandom } from "../testing/seeded-random.ts";
import type { Fingerprint } from "./fingerprint.ts";
import { decodeMeetingRoles, encodeMeetingRoles, type MeetingRoles } from "./meeting-roles.ts";
import { decodeRefMacList, encodeRefMacList } from "./ref-mac-list.ts";

function mutate(next: () => number, bytes: Uint8Array): Uint8Array {
  const out = Uint8Array.from(bytes);
  const edits = 1 + Math.floor(next() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(next() * out.length);
    out[at] = Math.floor(next() * 256);
  }
  const cut = next() < 0.2 ? Math.floor(next() * out.length) : out.length;
  return out.subarray(0, cut);
}

const fp = (n: number) => n.toString(16).padStart(2, "0").repeat(32) as Fingerprint;
const roles: MeetingRoles = {
  hosts: [fp(1)],
  coHosts: [fp(2), fp(3)],
  settings: { lobbyMandatory: false, knockingEnabled: true, locked: true },
  denyList: [fp(4)],
  inviteGeneration: 3,
};

describe("admission decoders under fuzzing", () => {
  it("roles: random and mutated bytes decode or give a reason; what decodes re-encodes", () => {
    const next = seededRandom(0xadd1);
    const valid = encodeMeetingRoles(roles);
    for (let i = 0; i < 3000; i++) {
      const input =
        i % 2 === 0
          ? mutate(next, valid)
          : Uint8Array.from({ length: Math.floor(next() * 200) }, () => Math.floor(next() * 256));
      const decoded = decodeMeetingRoles(input);
      if (decoded.ok) assert.deepEqual(encodeMeetingRoles(decoded.roles), input);
      else assert.ok(decoded.reason.length > 0);
    }
  });

  it("ref/mac lists: random and mutated bytes decode or give a reason; what decodes re-encodes", () => {
    const next = seededRandom(0xadd2);
    const valid = encodeRefMacList([
      { ref: new Uint8Array(32).fill(1) as KeyPackageRef, mac: new Uint8Array(32).fill(2) },
      { ref: new Uint8Array(32).fill(3) as KeyPackageRef, mac: new Uint8Array(32).fill(4) },
    ]);
    for (let i = 0; i < 3000; i++) {
      const input =
        i % 2 === 0
          ? mutate(next, valid)
          : Uint8Array.from({ length: Math.floor(next() * 300) }, () => Math.floor(next() * 256));
      const decoded = decodeRefMacList(input);
      if (decoded.ok) assert.deepEqual(encodeRefMacList(decoded.entries), input);
      else assert.ok(decoded.reason.length > 0);
    }
  });
});
