// A waiting joiner's sealed name opens only for holders of the same secret, for the same upload,
// untampered, and only as a valid display name.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toBase64url } from "@conclave/protocol";
import type { KeyPackageRef } from "../mls/key-package.ts";
import { deriveInviteKeys } from "./invite-keys.ts";
import { openWaitingName, sealWaitingName } from "./waiting-name.ts";

const ref = new Uint8Array(32).fill(0xab) as KeyPackageRef;

async function keysOf(fill: number) {
  const keys = await deriveInviteKeys(toBase64url(new Uint8Array(32).fill(fill)));
  assert.ok(keys);
  return keys;
}

describe("waiting names", () => {
  it("opens for the same secret and upload, with a fresh IV each time", async () => {
    const keys = await keysOf(1);
    assert.equal(keys.nameKey.extractable, false);
    const sealed = await sealWaitingName(keys, ref, "Ada Lovelace");
    assert.equal(await openWaitingName(keys, ref, sealed), "Ada Lovelace");
    const again = await sealWaitingName(keys, ref, "Ada Lovelace");
    assert.notDeepEqual(again, sealed);
    assert.ok(sealed.length <= 12 + 128 + 16);
  });

  it("does not open for another secret, another upload, or a changed byte", async () => {
    const keys = await keysOf(1);
    const sealed = await sealWaitingName(keys, ref, "Ada");
    assert.equal(await openWaitingName(await keysOf(2), ref, sealed), undefined);
    const otherRef = new Uint8Array(32).fill(0xac) as KeyPackageRef;
    assert.equal(await openWaitingName(keys, otherRef, sealed), undefined);
    for (const at of [0, 12, sealed.length - 1]) {
      const tampered = sealed.slice();
      tampered[at] = (tampered[at] ?? 0) ^ 1;
      assert.equal(await openWaitingName(keys, ref, tampered), undefined, `byte ${at}`);
    }
    assert.equal(await openWaitingName(keys, ref, sealed.slice(0, 20)), undefined);
  });

  it("refuses what is no display name, even sealed with the right key", async () => {
    const keys = await keysOf(1);
    for (const bad of ["", "a\u202eb", "x".repeat(129)]) {
      const sealed = await sealWaitingName(keys, ref, bad);
      assert.equal(await openWaitingName(keys, ref, sealed), undefined, JSON.stringify(bad));
    }
  });
});
