/**
 * TURN with real parts: Debian's coturn configured as docs/operations.md "TURN" says (shared
 * secret), the real server handing out credentials, and bots that may reach the media server only
 * through the relay (relay-only ICE), over UDP and over TCP. A server whose secret does not match
 * the relay's gets its participants no media at all.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, it } from "node:test";
import { type Bot, joinBot } from "@conclave/bot";
import { type Coturn, cannotRunCoturn, freePort, startCoturn } from "./coturn.ts";
import { newRoom } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { holdsFor, waitFor } from "./wait-for.ts";

const SECRET = randomBytes(24).toString("base64url");

function receives(bot: Bot, from: Bot): boolean {
  const got = bot.stats().received[from.id];
  return !!got && got.video.keyframes > 0 && got.video.packets >= 20 && got.audio.packets >= 20;
}

describe("TURN relay", { skip: cannotRunCoturn() }, () => {
  const relays: Coturn[] = [];
  const servers: ServerProcess[] = [];
  const bots: Bot[] = [];

  after(async () => {
    for (const bot of bots) bot.close();
    for (const server of servers) await server.stop();
    for (const relay of relays) await relay.stop();
  });

  /** A relay of its own, a server pointed at it with `secret`, and two relay-only bots. */
  async function meetingThrough(
    transport: "udp" | "tcp",
    secret = SECRET,
  ): Promise<{ a: Bot; b: Bot; relay: Coturn }> {
    const port = await freePort("127.0.0.1");
    const relay = await startCoturn({
      address: "127.0.0.1",
      port,
      secret: SECRET,
      loopbackPeers: true,
    });
    relays.push(relay);
    const server = await startServer({
      TURN_URLS: `turn:127.0.0.1:${port}?transport=${transport}`,
      TURN_SECRET: secret,
    });
    servers.push(server);
    const room = await newRoom();
    const url = `${server.url}/m/${room.roomId}#${room.secret}`;
    // Together: a refused relay holds each join until its gathering gives up.
    const [a, b] = await Promise.all(
      ["A", "B"].map((name) => joinBot({ url, name, relayOnly: true })),
    );
    bots.push(a as Bot, b as Bot);
    return { a: a as Bot, b: b as Bot, relay };
  }

  for (const transport of ["udp", "tcp"] as const) {
    it(`carries a meeting between participants that reach the server only through it, over ${transport.toUpperCase()}`, async () => {
      const { a, b, relay } = await meetingThrough(transport);
      await waitFor("each bot to receive the other through the relay", () => {
        return receives(a, b) && receives(b, a);
      });
      const allocated = relay.logs().filter((l) => /ALLOCATE processed, success/.test(l));
      const users = new Set(allocated.map((l) => /user <\d+:([\w-]+)>/.exec(l)?.[1]));
      assert.deepEqual(
        [...users].sort(),
        [a.id, b.id].sort(),
        "each bot allocated with its own credential",
      );
      const overTcp = relay.logs().some((l) => /tcp or tls connected to/.test(l));
      assert.equal(overTcp, transport === "tcp", `the relay was reached over ${transport}`);
    });
  }

  it("refuses credentials made with another secret: no media flows", async () => {
    const { a, b, relay } = await meetingThrough("udp", randomBytes(24).toString("base64url"));
    await waitFor("the relay to refuse the server's credential", () =>
      relay.logs().some((l) => l.includes(`Cannot find credentials of user <`) && l.includes(a.id)),
    );
    await holdsFor("no media to flow", () => !receives(a, b) && !receives(b, a), 5000);
    assert.notEqual(a.stats().sendConnection, "connected");
  });

  it("never writes the shared secret to a log", () => {
    for (const line of [...servers.flatMap((s) => s.logs), ...relays.flatMap((r) => r.logs())]) {
      assert.equal(line.includes(SECRET), false, line);
    }
  });
});
