import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deriveRoomId, toBase64url } from "@conclave/protocol";
import { parseMeetingLink } from "./meeting-link.ts";

async function makeLink(base: string): Promise<{ link: string; roomId: string }> {
  const secret = toBase64url(new Uint8Array(32).fill(7));
  const derived = await deriveRoomId(secret);
  assert.ok(derived);
  return { link: `${base}/m/${derived.roomId}#${secret}`, roomId: derived.roomId };
}

describe("meeting link", () => {
  it("derives room id, server key and the ws endpoint", async () => {
    const { link, roomId } = await makeLink("http://127.0.0.1:8080");
    const parsed = await parseMeetingLink(link);
    assert.equal(parsed.roomId, roomId);
    assert.equal(parsed.signallingUrl, "ws://127.0.0.1:8080/ws");
    assert.match(parsed.serverKey, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(parsed.inviteKeys.roomId, roomId);
    assert.equal(parsed.inviteKeys.admitKey.extractable, false);
  });

  it("uses wss for https links", async () => {
    const { link } = await makeLink("https://meet.example");
    assert.equal((await parseMeetingLink(link)).signallingUrl, "wss://meet.example/ws");
  });

  for (const [what, mutate, pattern] of [
    ["not a URL", () => "nope", /not a URL/],
    ["another scheme", (l: string) => l.replace("http:", "ftp:"), /http/],
    ["another path", (l: string) => l.replace("/m/", "/x/"), /path/],
    ["no secret", (l: string) => l.replace(/#.*/, ""), /secret/],
    ["a short secret", (l: string) => l.replace(/#.*/, "#abc"), /damaged/],
    ["a room id from another secret", (l: string) => l.replace(/\/m\/./, "/m/A"), /another room/],
  ] as const) {
    it(`refuses ${what} with BAD_LINK`, async () => {
      const { link } = await makeLink("http://127.0.0.1:8080");
      await assert.rejects(parseMeetingLink(mutate(link)), (e: unknown) => {
        assert.ok(e instanceof Error && "code" in e && e.code === "BAD_LINK");
        assert.match(e.message, pattern);
        return true;
      });
    });
  }
});
