/**
 * The bot against the real server process (packages/server/test/start-server.ts): no mocks.
 * Every wait is for a condition with a deadline.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { deriveRoomId, type ParticipantId, toBase64url } from "@conclave/protocol";
import { type ServerProcess, startServer } from "../../server/test/start-server.ts";
import type { Bot } from "./bot.ts";
import { joinBot } from "./bot.ts";
import { isBotError, ServerRefusedError } from "./errors.ts";

async function waitFor(what: string, condition: () => boolean, deadlineMs = 15_000): Promise<void> {
  const end = performance.now() + deadlineMs;
  while (!condition()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function newMeeting(server: ServerProcess): Promise<string> {
  const secret = toBase64url(crypto.getRandomValues(new Uint8Array(32)));
  const link = await deriveRoomId(secret);
  assert.ok(link);
  return `${server.url}/m/${link.roomId}#${secret}`;
}

/** No connection of the bot is still negotiating. */
function settled(bot: Bot): boolean {
  const { sendConnection, receiveConnection } = bot.stats();
  return ![sendConnection, receiveConnection].some((s) => s === "new" || s === "connecting");
}

function received(bot: Bot, from: Bot) {
  return bot.stats().received[from.id];
}

/** True once `bot` has complete VP8 frames, a keyframe and audio from `from`. */
function hasMedia(bot: Bot, from: Bot, frames = 20): boolean {
  const r = received(bot, from);
  return !!r && r.video.frames >= frames && r.video.keyframes > 0 && r.audio.packets >= frames * 2;
}

describe("bot against the real server", () => {
  let server: ServerProcess;
  const bots: Bot[] = [];
  const join = async (url: string, name: string, publish = true) => {
    const bot = await joinBot({ url, name, publish });
    bots.push(bot);
    return bot;
  };

  before(async () => {
    server = await startServer({ MAX_PARTICIPANTS: "3" });
  });
  after(async () => {
    // werift keeps retransmitting a DTLS flight for ~30 s after a close in mid-handshake, which
    // holds the test process open: let handshakes finish before closing.
    await waitFor("handshakes to finish", () => bots.every(settled)).catch(() => {});
    for (const bot of bots) bot.close();
    await server.stop();
  });

  it("two bots each receive the other's audio and video, without loss", async () => {
    const url = await newMeeting(server);
    const a = await join(url, "A");
    const b = await join(url, "B");
    await waitFor("media both ways", () => hasMedia(a, b, 40) && hasMedia(b, a, 40));
    for (const [rx, tx] of [
      [a, b],
      [b, a],
    ] as const) {
      const r = received(rx, tx);
      assert.ok(r);
      assert.equal(r.video.framesDropped, 0);
      assert.ok(
        r.video.lost + r.audio.lost <= 2,
        `lost ${r.video.lost} video, ${r.audio.lost} audio`,
      );
      assert.equal(rx.stats().signalling.invalidMessages, 0);
    }
  });

  it("refuses a frame sealed for another stream than its m-line carries, as a browser does", async () => {
    const url = await newMeeting(server);
    const a = await join(url, "A");
    const b = await join(url, "B", false);
    await waitFor("A's media at B", () => hasMedia(b, a, 5));
    const camera = Object.entries(b.crypto.media.receiveTracks).find(
      ([, t]) => t.participantId === a.id && t.source === "camera",
    );
    assert.ok(camera, "the server said which m-line carries A's camera");
    const [mid] = camera;
    // A frame A sealed for its screen, sent on the m-line of its camera (a relabelling server).
    const sealed = await a.crypto.media.encrypt("screen", Uint8Array.of(0x31, 0x02, 0x00, 1, 2, 3));
    assert.ok(sealed.ok);
    const leaf = String(a.crypto.member.ownLeaf);
    const wrongStream = () => b.stats().e2ee?.frames.senders[leaf]?.dropped["wrong-stream"] ?? 0;
    b.crypto.open({ mid, participantId: a.id, kind: "video", source: "camera" }, sealed.frame);
    await waitFor("the frame refused", () => wrongStream() === 1);
  });

  it("a receive-only bot receives and sends nothing", async () => {
    const url = await newMeeting(server);
    const publisher = await join(url, "Publisher");
    const watcher = await join(url, "Watcher", false);
    await waitFor("media at the watcher", () => hasMedia(watcher, publisher));
    assert.equal(watcher.stats().sent, null);
    assert.equal(publisher.stats().received[watcher.id], undefined);
    assert.deepEqual(
      publisher.participants.map((p) => [p.id, p.audio, p.video]),
      [[watcher.id, false, false]],
    );
  });

  it("follows a reused m-line to its new publisher after a leave", async () => {
    const url = await newMeeting(server);
    const a = await join(url, "A");
    const b = await join(url, "B");
    await waitFor("A's media at B", () => hasMedia(b, a, 5));
    const left: [ParticipantId, string][] = [];
    b.on("participant-left", (id, reason) => left.push([id, reason]));
    const aId = a.id;
    await a.leave();
    await waitFor("A's departure", () => left.length === 1);
    assert.deepEqual(left, [[aId, "left"]]);
    const c = await join(url, "C");
    await waitFor("C's media at B", () => hasMedia(b, c, 20));
    assert.equal(b.stats().received[aId]?.present, false);
  });

  it("an abrupt close is seen by the others as a disconnect", async () => {
    const url = await newMeeting(server);
    const a = await join(url, "A", false);
    const b = await join(url, "B", false);
    const left: string[] = [];
    b.on("participant-left", (_id, reason) => left.push(reason));
    await waitFor("A connected", () => settled(a));
    a.close();
    await waitFor("the disconnect", () => left.length === 1);
    assert.deepEqual(left, ["disconnected"]);
  });

  it("a full room refuses with ROOM_FULL", async () => {
    const url = await newMeeting(server);
    for (const name of ["1", "2", "3"]) await join(url, name, false);
    await assert.rejects(joinBot({ url, name: "4", publish: false }), (error: unknown) => {
      assert.ok(error instanceof ServerRefusedError);
      assert.equal(error.serverCode, "ROOM_FULL");
      return true;
    });
  });

  it("a link for an unreachable server fails with CONNECTION_FAILED", async () => {
    const url = (await newMeeting(server)).replace(/:\d+\//, ":1/");
    await assert.rejects(joinBot({ url, name: "X" }), (error: unknown) => {
      assert.ok(isBotError(error));
      assert.equal(error.code, "CONNECTION_FAILED");
      return true;
    });
  });
});
