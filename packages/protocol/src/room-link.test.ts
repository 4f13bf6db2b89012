import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, it } from "node:test";
import { fromBase64url, toBase64url } from "./base64url.ts";
import {
  deriveRoomId,
  inviteFragment,
  readInviteFragment,
  replacedLink,
  roomIdFromServerKey,
} from "./room-link.ts";

describe("base64url", () => {
  it("round-trips every length and matches Node's encoder", () => {
    for (let n = 0; n < 70; n++) {
      const bytes = randomBytes(n);
      const text = toBase64url(bytes);
      assert.equal(text, bytes.toString("base64url"));
      assert.deepEqual(fromBase64url(text), new Uint8Array(bytes));
    }
  });

  it("refuses characters outside the alphabet and non-canonical spellings", () => {
    for (const bad of ["a+b", "ab/c", "abc=", "a", "AB"])
      assert.equal(fromBase64url(bad), null, bad);
  });
});

describe("room link", () => {
  it("derives a 128-bit room id that is the hash of the server key", async () => {
    const secret = toBase64url(randomBytes(32));
    const link = await deriveRoomId(secret);
    assert.ok(link);
    assert.equal(link.roomId.length, 22);
    const digest = createHash("sha256").update(Buffer.from(link.serverKey, "base64url")).digest();
    assert.equal(link.roomId, digest.subarray(0, 16).toString("base64url"));
    assert.equal(await roomIdFromServerKey(link.serverKey), link.roomId);
  });

  it("never puts the secret itself in the room id or server key", async () => {
    const secret = toBase64url(randomBytes(32));
    const link = await deriveRoomId(secret);
    assert.ok(link);
    assert.notEqual(link.serverKey, secret);
    assert.ok(!secret.includes(link.roomId));
  });

  it("refuses secrets and server keys of the wrong size", async () => {
    assert.equal(await deriveRoomId(toBase64url(randomBytes(16))), null);
    assert.equal(await deriveRoomId("not base64!"), null);
    assert.equal(await roomIdFromServerKey(toBase64url(randomBytes(31))), null);
  });
});

describe("invite link fragments", () => {
  it("a first link is its secret; a replaced one adds the first server key for the gate", async () => {
    const secret = toBase64url(randomBytes(32));
    const first = await deriveRoomId(secret);
    assert.ok(first);
    const link = await readInviteFragment(first.roomId, secret);
    assert.deepEqual(link, { ...first, secret, linkKey: undefined });
    assert.equal(inviteFragment(link), secret);

    const next = toBase64url(randomBytes(32));
    const replaced = await replacedLink(link, next);
    assert.ok(replaced);
    assert.equal(replaced.serverKey, first.serverKey, "the gate stays the room's");
    assert.equal(replaced.linkKey, (await deriveRoomId(next))?.serverKey);
    const fragment = inviteFragment(replaced);
    assert.equal(fragment, `${next}.${first.serverKey}`);
    assert.deepEqual(await readInviteFragment(first.roomId, fragment), replaced);
  });

  it("refuses a fragment that does not open its room", async () => {
    const secret = toBase64url(randomBytes(32));
    const other = await deriveRoomId(toBase64url(randomBytes(32)));
    const first = await deriveRoomId(secret);
    assert.ok(first && other);
    assert.equal(await readInviteFragment(other.roomId, secret), null);
    const foreignGate = `${toBase64url(randomBytes(32))}.${other.serverKey}`;
    assert.equal(await readInviteFragment(first.roomId, foreignGate), null);
    for (const bad of ["", "k=00", `${secret}.`, `${secret}.${secret}.${secret}`]) {
      assert.equal(await readInviteFragment(first.roomId, bad), null, bad);
    }
  });
});
