/**
 * The meeting core with real parts only: the server process, four bots publishing the shipped
 * VP8 + Opus clip, one of them in its own process so it can vanish the way a crashed laptop does.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Bot, joinBot } from "@conclave/bot";
import { metric, newRoom } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

const BOT_CLI = fileURLToPath(new URL("../../bot/src/main.ts", import.meta.url));

function receives(bot: Bot, fromId: string, packets: number): boolean {
  const from = bot.stats().received[fromId];
  return (
    !!from &&
    from.audio.packets >= packets &&
    from.video.packets >= packets &&
    from.video.keyframes > 0
  );
}

describe("a meeting of four bots through the real server", () => {
  let server: ServerProcess;
  const bots: Bot[] = [];
  let child: ChildProcess | null = null;

  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const bot of bots) bot.close();
    child?.kill("SIGKILL");
    await server.stop();
  });

  // Gone at the third unanswered ping, one every 2 s (docs/protocol.md "Leave"): up to 6 s after
  // its last pong, and a second more for a beat the loaded machine delays.
  it("each bot receives every other bot's audio and video, and a vanished bot is gone within 7 s", async () => {
    const room = await newRoom();
    const url = `${server.url}/m/${room.roomId}#${room.secret}`;
    for (const name of ["A", "B", "C"]) bots.push(await joinBot({ url, name }));

    child = spawn(process.execPath, ["--import", "tsx", BOT_CLI, url, "--name", "D"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    const [a] = bots as [Bot];
    await waitFor(
      "the fourth bot to join",
      () => a.participants.some((p) => !bots.some((b) => b.id === p.id)),
      20_000,
    );
    const dId = a.participants.find((p) => !bots.some((b) => b.id === p.id))?.id;
    assert.ok(dId);

    const everyone = [...bots.map((b) => b.id), dId];
    await waitFor(
      "every bot to receive every other bot",
      () =>
        bots.every((bot) =>
          everyone.filter((id) => id !== bot.id).every((id) => receives(bot, id, 50)),
        ),
      30_000,
    );
    // The child bot's own view is checked through its published traffic reaching the server.
    assert.equal(await metric(server.metricsUrl, "conclave_producers"), 8);

    // Freeze D: no FIN, no pong, exactly like a laptop whose network vanished.
    child.kill("SIGSTOP");
    const left = bots.map(
      (bot) =>
        new Promise((resolve) =>
          bot.on("participant-left", (id, reason) => resolve({ id, reason })),
        ),
    );
    const elapsed = await waitFor(
      "the others to be told D left",
      async () => (await metric(server.metricsUrl, "conclave_participants")) === 3,
      7000,
    );
    for (const event of await Promise.all(left))
      assert.deepEqual(event, { id: dId, reason: "disconnected" });
    assert.ok(elapsed < 7000, `cleaned up after ${Math.round(elapsed)} ms`);
    assert.equal(await metric(server.metricsUrl, "conclave_producers"), 6);

    // The three who remain keep receiving each other.
    const before = bots.map((bot) => bot.stats());
    await waitFor(
      "media to keep flowing among the rest",
      () =>
        bots.every((bot, i) =>
          bots
            .filter((other) => other !== bot)
            .every(
              (other) =>
                (bot.stats().received[other.id]?.video.packets ?? 0) >
                (before[i]?.received[other.id]?.video.packets ?? 0) + 50,
            ),
        ),
      10_000,
    );
  });
});
