/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import { deriveRoomId } from "@conclave/protocol";
import {
  checkLink,
  knockLinkPath,
  newMeetingPath,
  parseRoute,
  readKnockLink,
  readPastedLink,
} from "./room-link.ts";

test("a new meeting path carries a 256-bit secret that derives to its room id", async () => {
  const path = await newMeetingPath();
  const match = /^\/m\/([A-Za-z0-9_-]{22})#([A-Za-z0-9_-]{43})$/.exec(path);
  assert.ok(match, path);
  const [, roomId, secret] = match;
  assert.equal((await deriveRoomId(secret ?? ""))?.roomId, roomId);
  assert.notEqual(await newMeetingPath(), path, "every meeting gets a fresh secret");
});

test("a link whose fragment is missing or altered is incomplete", async () => {
  const path = await newMeetingPath();
  const route = parseRoute(new URL(path, "https://conclave.example"));
  assert.equal(route.page, "meeting");
  if (route.page !== "meeting") return;
  assert.ok(await checkLink(route.roomId, route.secret));
  assert.equal(await checkLink(route.roomId, null), null);
  const secret = route.secret ?? "";
  const altered = `${secret[0] === "A" ? "B" : "A"}${secret.slice(1)}`;
  assert.equal(await checkLink(route.roomId, altered), null);
  assert.equal(await checkLink(route.roomId, "not base64url!"), null);
});

test("routes: landing, meeting with or without a fragment, anything else is not found", () => {
  assert.deepEqual(parseRoute({ pathname: "/", hash: "" }), { page: "landing" });
  assert.deepEqual(parseRoute({ pathname: "/m/abc", hash: "" }), {
    page: "meeting",
    roomId: "abc",
    secret: null,
  });
  assert.deepEqual(parseRoute({ pathname: "/m/abc", hash: "#xyz" }), {
    page: "meeting",
    roomId: "abc",
    secret: "xyz",
  });
  assert.deepEqual(parseRoute({ pathname: "/admin", hash: "" }), { page: "not-found" });
});

test("a pasted link is accepted only if it is an http(s) meeting link", () => {
  const base = "https://conclave.example/";
  assert.equal(readPastedLink("  https://other.example/m/abc#k  ", base)?.host, "other.example");
  assert.equal(readPastedLink("/m/abc#k", base)?.href, "https://conclave.example/m/abc#k");
  assert.equal(readPastedLink("javascript:alert(1)", base), null);
  assert.equal(readPastedLink("https://conclave.example/somewhere", base), null);
});

test("a knock link carries no secret and may pin the host's fingerprint", () => {
  const roomId = "A".repeat(22);
  const fingerprint = Array.from({ length: 16 }, (_, i) => `ab${i.toString(16).padStart(2, "0")}`);
  const spaced = fingerprint.join(" ");
  const path = knockLinkPath(roomId, spaced);
  assert.equal(path, `/m/${roomId}#k=${fingerprint.join("")}`);
  const route = parseRoute(new URL(path, "https://conclave.example"));
  assert.equal(route.page, "meeting");
  if (route.page !== "meeting") return;
  assert.deepEqual(readKnockLink(route.roomId, route.secret), { roomId, pinnedHost: spaced });
  assert.deepEqual(readKnockLink(roomId, "k"), { roomId, pinnedHost: null });
  assert.deepEqual(readKnockLink(roomId, "k="), { roomId, pinnedHost: null });
  assert.equal(knockLinkPath(roomId, null), `/m/${roomId}#k`);
  // Not knock links: an invite secret, a short fingerprint, another room id shape.
  assert.equal(readKnockLink(roomId, "S".repeat(43)), null);
  assert.equal(readKnockLink(roomId, "k=abcd"), null);
  assert.equal(readKnockLink(roomId, null), null);
  assert.equal(readKnockLink("abc", "k"), null);
});
