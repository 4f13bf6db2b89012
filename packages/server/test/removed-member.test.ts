/**
 * DESIGN.md §3.6, T5: a participant who left cannot decrypt anything sent after it left. The
 * server records everything it receives; the departed bot, still holding every key it ever had,
 * is handed the media captured after its removal and must open none of it.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type Bot, joinBot, Vp8Depacketizer } from "@conclave/bot";
import { MEDIA_CODECS } from "@conclave/protocol";
import { RtpPacket } from "werift";
import { readCapture } from "./leak-scan.ts";
import { newRoom } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

const decrypted = (bot: Bot) => bot.stats().e2ee?.frames.total.decrypted ?? 0;

describe("a removed member", () => {
  let server: ServerProcess;
  const capture = join(mkdtempSync(join(tmpdir(), "conclave-removed-")), "capture.log");
  const bots: Bot[] = [];
  before(async () => {
    server = await startServer({ CAPTURE_FILE: capture });
  });
  after(async () => {
    for (const bot of bots) bot.close();
    await server.stop();
  });

  it("decrypts none of the media the server captured after its removal", async () => {
    const room = await newRoom();
    const url = `${server.url}/m/${room.roomId}#${room.secret}`;
    for (const name of ["Ada", "Ben", "Cyd"]) bots.push(await joinBot({ url, name }));
    const [ada, ben, cyd] = bots as [Bot, Bot, Bot];
    await waitFor("everyone to decrypt everyone", () => bots.every((b) => decrypted(b) > 200));
    const cydEpoch = cyd.stats().e2ee?.epoch;

    await cyd.leave();
    await waitFor("the others to commit Cyd's removal", () =>
      [ada, ben].every((b) => b.stats().e2ee?.roster.length === 2),
    );
    const cutoff = Date.now() + 200; // frames sealed before the new epoch are still in flight
    const before = [ada, ben].map(decrypted);
    await waitFor("the two to keep decrypting each other", () =>
      [ada, ben].every((b, i) => decrypted(b) > (before[i] ?? 0) + 300),
    );
    for (const b of [ada, ben]) b.close();
    await server.stop();

    // Reassemble the captured frames per stream and hand each to Cyd.
    const depacketizers = new Map<number, Vp8Depacketizer>();
    let tried = 0;
    const opened: string[] = [];
    for (const { kind, timeMs, bytes } of readCapture(capture)) {
      if (kind !== "rtp" || timeMs < cutoff) continue;
      const rtp = RtpPacket.deSerialize(bytes);
      const { ssrc, payloadType } = rtp.header;
      const frames: Array<{ kind: "audio" | "video"; data: Uint8Array }> = [];
      if (payloadType === MEDIA_CODECS.audio.payloadType)
        frames.push({ kind: "audio", data: rtp.payload });
      else {
        const depacketizer = depacketizers.get(ssrc) ?? new Vp8Depacketizer();
        depacketizers.set(ssrc, depacketizer);
        const view = { ...rtp.header, payload: rtp.payload };
        for (const frame of depacketizer.push(view, timeMs))
          frames.push({ kind: "video", data: frame.data });
      }
      for (const frame of frames) {
        tried++;
        const result = await cyd.crypto.decryptCaptured(String(ssrc), frame.kind, frame.data);
        if (result.ok) opened.push(`${frame.kind} ssrc ${ssrc}`);
      }
    }
    assert.ok(tried > 200, `only ${tried} frames were captured after the removal`);
    assert.deepEqual(opened, [], `Cyd (last epoch ${cydEpoch}) opened frames sent after it left`);
  });
});
