/**
 * The server's heartbeat (heartbeat.ts) through real sockets: a pong that comes a little over an
 * interval late keeps the connection, and a socket that answers nothing is dropped after 4 s or
 * more. With one interval allowed, everyone in e2e/firefox.test.ts (two browsers and a bot on two
 * cores) was dropped at once now and then, and the bot could not join.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { WebSocket } from "ws";
import { networkCut } from "./network-cut.ts";
import { newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { holdsFor, waitFor } from "./wait-for.ts";

describe("the heartbeat", () => {
  let server: ServerProcess;
  const clients: SignallingClient[] = [];
  const sockets: WebSocket[] = [];
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const client of clients) client.close();
    for (const ws of sockets) ws.close();
    await server.stop();
  });

  it("keeps a connection whose pongs come 3 s late", async () => {
    const room = await newRoom();
    const ws = new WebSocket(`${server.url.replace(/^http/, "ws")}/ws`, { autoPong: false });
    sockets.push(ws);
    // A congested uplink: each pong leaves 3 s after its ping, over one interval.
    ws.on("ping", (data) => setTimeout(() => ws.pong(data), 3000));
    await once(ws, "open");
    ws.send(JSON.stringify(room.joinMessage()));
    await holdsFor("the connection open", () => ws.readyState === ws.OPEN, 14_000);
  });

  it("drops a socket that answers no ping for 4 s or more", async () => {
    const relay = await networkCut(server.port);
    try {
      const cyd = await SignallingClient.joined(`http://127.0.0.1:${relay.port}`, await newRoom());
      clients.push(cyd);
      // The server's pings reach Cyd no more; Cyd's side of the connection stays open.
      relay.silence();
      const silentMs = await waitFor(
        "the silent socket dropped",
        () => cyd.ws.readyState === cyd.ws.CLOSED,
        15_000,
      );
      assert.ok(silentMs >= 3900, `dropped after ${Math.round(silentMs)} ms of silence, not 4 s`);
    } finally {
      await relay.close();
    }
  });
});
