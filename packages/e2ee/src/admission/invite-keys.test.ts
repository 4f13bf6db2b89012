// The invite secret's keys, proofs and Welcome tags checked against an independent computation
// with Node's own crypto (HKDF and HMAC as RFC 5869 and RFC 2104 define them), so a mistake in a
// label, the salt or the field order shows.
import assert from "node:assert/strict";
import { createHmac, hkdfSync } from "node:crypto";
import { describe, it } from "node:test";
import { deriveRoomId, fromBase64url, toBase64url } from "@conclave/protocol";
import type { KeyPackageRef } from "../mls/key-package.ts";
import { makeAdmissionProof, verifyAdmissionProof } from "./admission-proof.ts";
import { ADMIT_KEY_LABEL, deriveInviteKeys, nextInviteSecret } from "./invite-keys.ts";
import { makeWelcomeTag, verifyWelcomeTag, welcomeTagExtension } from "./welcome-tag.ts";

const secretBytes = new Uint8Array(32).map((_, i) => i);
const secret = toBase64url(secretBytes);
const ref = new Uint8Array(32).fill(0xab) as KeyPackageRef;

function expectedAdmitKey(): Buffer {
  return Buffer.from(hkdfSync("sha256", secretBytes, new Uint8Array(), ADMIT_KEY_LABEL, 32));
}

async function keys() {
  const derived = await deriveInviteKeys(secret);
  assert.ok(derived);
  return derived;
}

describe("invite secret keys", () => {
  it("the room id is the protocol's (server key = HKDF(secret, server-key/v1))", async () => {
    const derived = await keys();
    const link = await deriveRoomId(secret);
    assert.equal(derived.roomId, link?.roomId);
    assert.deepEqual(derived.roomIdBytes, fromBase64url(derived.roomId));
    assert.equal(derived.roomIdBytes.length, 16);
  });

  it("the admit key cannot be exported, and its label is not the server key's (its value: the proofs below)", async () => {
    const derived = await keys();
    assert.equal(derived.admitKey.extractable, false);
    assert.notDeepEqual(
      expectedAdmitKey(),
      Buffer.from(hkdfSync("sha256", secretBytes, new Uint8Array(), "conclave/server-key/v1", 32)),
    );
  });

  it("the next generation = HKDF(secret, salt = exporter output, info invite-secret/v1), same room", async () => {
    const exported = new Uint8Array(32).fill(0x42);
    const next = await nextInviteSecret(await keys(), exported);
    const expected = hkdfSync("sha256", secretBytes, exported, "conclave/invite-secret/v1", 32);
    assert.equal(next, Buffer.from(expected).toString("base64url"));
    const derived = await keys();
    const replaced = await deriveInviteKeys(next, derived.roomId);
    assert.equal(replaced?.roomId, derived.roomId, "a replaced secret keeps the room");
    assert.notEqual((await deriveRoomId(next))?.roomId, derived.roomId);
  });

  it("refuses a secret that is not 32 bytes of base64url", async () => {
    assert.equal(await deriveInviteKeys(toBase64url(new Uint8Array(31))), undefined);
    assert.equal(await deriveInviteKeys("not base64url!"), undefined);
  });

  it("proof = HMAC(admit key, 'conclave/admit/v1' ‖ room id ‖ ref), and verifies only itself", async () => {
    const derived = await keys();
    const proof = await makeAdmissionProof(derived, ref);
    const expected = createHmac("sha256", expectedAdmitKey())
      .update("conclave/admit/v1")
      .update(derived.roomIdBytes)
      .update(ref)
      .digest();
    assert.deepEqual(Buffer.from(proof), expected);
    assert.ok(await verifyAdmissionProof(derived, ref, proof));
    const otherRef = new Uint8Array(32).fill(0xac) as KeyPackageRef;
    assert.equal(await verifyAdmissionProof(derived, otherRef, proof), false);
    assert.equal(await verifyAdmissionProof(derived, ref, proof.subarray(0, 31)), false);
    const otherRoom = await deriveInviteKeys(toBase64url(new Uint8Array(32).fill(9)));
    assert.ok(otherRoom);
    assert.equal(await verifyAdmissionProof(otherRoom, ref, proof), false, "another room");
  });

  it("tag = HMAC(admit key, 'conclave/welcome/v1' ‖ group id ‖ epoch u64 ‖ ref), bound to all three", async () => {
    const derived = await keys();
    const groupId = new Uint8Array(16).fill(0x11);
    const tag = await makeWelcomeTag(derived, groupId, 5n, ref);
    const epoch = Buffer.alloc(8);
    epoch.writeBigUInt64BE(5n);
    const expected = createHmac("sha256", expectedAdmitKey())
      .update("conclave/welcome/v1")
      .update(groupId)
      .update(epoch)
      .update(ref)
      .digest();
    assert.deepEqual(Buffer.from(tag), expected);
    const extensions = [await welcomeTagExtension(derived, groupId, 5n, [ref])];
    assert.ok(await verifyWelcomeTag(derived, extensions, groupId, 5n, ref));
    assert.equal(await verifyWelcomeTag(derived, extensions, groupId, 6n, ref), false);
    assert.equal(await verifyWelcomeTag(derived, extensions, new Uint8Array(16), 5n, ref), false);
    const otherRef = new Uint8Array(32) as KeyPackageRef;
    assert.equal(await verifyWelcomeTag(derived, extensions, groupId, 5n, otherRef), false);
    assert.equal(await verifyWelcomeTag(derived, [], groupId, 5n, ref), false);
  });
});
