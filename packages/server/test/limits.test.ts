/**
 * What one stranger can spend (docs/protocol.md "Rate limits" and "Caps", docs/operations.md
 * "Behind a reverse proxy"), against the real server behind a proxy header. Every client here
 * connects from loopback; where the server trusts loopback as its proxy, the client says who it is
 * in X-Forwarded-For, as nginx's `$proxy_add_x_forwarded_for` would.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type Bot, joinBot } from "@conclave/bot";
import { type ServerMessage, toBase64url } from "@conclave/protocol";
import { networkCut } from "./network-cut.ts";
import { metric, newRoom, SignallingClient, type TestRoom } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

const clients: SignallingClient[] = [];
after(() => {
  for (const client of clients) client.close();
});

async function connect(server: ServerProcess, forwardedFor?: string): Promise<SignallingClient> {
  const client = await SignallingClient.connect(server.url, forwardedFor ? { forwardedFor } : {});
  clients.push(client);
  return client;
}

type Reply = Extract<ServerMessage, { type: "welcome" | "error" }>;

/** Sends `message` and waits for the welcome or error it gets. */
async function answer(client: SignallingClient, message: object): Promise<Reply> {
  const from = client.received.length;
  client.send(message);
  let reply: Reply | undefined;
  await waitFor("a welcome or an error", () => {
    reply = client.received
      .slice(from)
      .find((m): m is Reply => m.type === "welcome" || m.type === "error");
    return reply !== undefined;
  });
  return reply as Reply;
}

const codeOf = (reply: Reply) => (reply.type === "error" ? reply.code : "welcome");

/** A join from `address` on a connection of its own: "welcome", or the error code. */
async function joinFrom(server: ServerProcess, address: string, room: TestRoom): Promise<string> {
  return codeOf(await answer(await connect(server, address), room.joinMessage()));
}

const wrongKey = (room: TestRoom) => ({
  ...room.joinMessage(),
  serverKey: toBase64url(randomBytes(32)),
});

/** Five joins with a wrong key, each on a new connection saying `forwardedFor(i)`: their codes. */
async function wrongKeys(
  server: ServerProcess,
  forwardedFor: (i: number) => string,
): Promise<string[]> {
  const room = await newRoom();
  const codes: string[] = [];
  for (let i = 0; i < 5; i++) {
    const client = await connect(server, forwardedFor(i));
    codes.push(codeOf(await answer(client, wrongKey(room))));
  }
  return codes;
}

/** Five wrong keys all counted against one address with a gate-failure budget of three. */
const ONE_BUDGET_OF_THREE = [
  "GATE_REFUSED",
  "GATE_REFUSED",
  "GATE_REFUSED",
  "RATE_LIMITED",
  "RATE_LIMITED",
];

describe("join budgets behind a reverse proxy", () => {
  const stranger = "203.0.113.66";
  let server: ServerProcess;
  before(async () => {
    server = await startServer({
      TRUSTED_PROXIES: "127.0.0.1",
      JOINS_PER_MINUTE: "4",
      GATE_FAILURES_PER_MINUTE: "3",
    });
  });
  after(async () => {
    await server.stop();
  });

  it("one stranger's junk joins and wrong keys do not refuse other people's joins", async () => {
    const meeting = await newRoom();
    const prober = await connect(server, stranger);
    // Wrong keys spend the gate-failure budget only: the stranger's join budget stays whole.
    for (let i = 0; i < 2; i++) {
      assert.equal(codeOf(await answer(prober, wrongKey(meeting))), "GATE_REFUSED");
    }
    for (let i = 0; i < 4; i++) {
      assert.equal(await joinFrom(server, stranger, await newRoom()), "welcome", `junk join ${i}`);
    }
    assert.equal(await joinFrom(server, stranger, await newRoom()), "RATE_LIMITED");
    assert.equal(codeOf(await answer(prober, wrongKey(meeting))), "GATE_REFUSED");
    const limited = await answer(prober, wrongKey(meeting));
    assert.equal(codeOf(limited), "RATE_LIMITED");
    assert.match(limited.type === "error" ? limited.message : "", /wrong meeting links/);
    // Meanwhile more people than one address's budget join, each from their own address.
    for (let i = 1; i <= 6; i++) {
      assert.equal(await joinFrom(server, `198.51.100.${i}`, meeting), "welcome", `person ${i}`);
    }
  });

  it("a hop the client wrote left of the proxy's own is not believed", async () => {
    const codes = await wrongKeys(server, (i) => `10.0.0.${i}, 203.0.113.77`);
    assert.deepEqual(codes, ONE_BUDGET_OF_THREE);
  });
});

describe("X-Forwarded-For from a peer that is not a trusted proxy", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ TRUSTED_PROXIES: "192.0.2.1", GATE_FAILURES_PER_MINUTE: "3" });
  });
  after(async () => {
    await server.stop();
  });

  it("is ignored: a forged address buys no fresh budget", async () => {
    const codes = await wrongKeys(server, (i) => `198.51.100.${i + 10}`);
    assert.deepEqual(codes, ONE_BUDGET_OF_THREE);
  });
});

describe("caps on connections and meetings", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({
      TRUSTED_PROXIES: "127.0.0.1",
      MAX_CONNECTIONS: "6",
      MAX_CONNECTIONS_PER_ADDRESS: "3",
      MAX_ROOMS: "3",
      MAX_ROOMS_PER_ADDRESS: "2",
    });
  });
  after(async () => {
    await server.stop();
  });

  /** Closes `these` and waits until the server has let their connections go. */
  async function closeAll(these: SignallingClient[]): Promise<void> {
    for (const client of these) client.close();
    await waitFor("the connections to be let go", async () => {
      return (await metric(server.metricsUrl, "conclave_connections")) === 0;
    });
  }

  /** The error a connection over a cap is told before the server closes it. */
  async function refusedConnection(address: string): Promise<{ code: string; message: string }> {
    const client = await connect(server, address);
    return client.next("error");
  }

  it("refuses a connection past its address's cap, or the server's, with TOO_MANY_CONNECTIONS", async () => {
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await connect(server, "203.0.113.1"));
    const mine = await refusedConnection("203.0.113.1");
    assert.equal(mine.code, "TOO_MANY_CONNECTIONS");
    assert.match(mine.message, /from your network/);
    for (let i = 0; i < 3; i++) held.push(await connect(server, `203.0.113.${i + 2}`));
    const everyone = await refusedConnection("203.0.113.9");
    assert.equal(everyone.code, "TOO_MANY_CONNECTIONS");
    assert.match(everyone.message, /server is at its limit/);
    await closeAll(held);
    assert.equal(await joinFrom(server, "203.0.113.1", await newRoom()), "welcome");
    await closeAll(clients);
  });

  it("refuses a new meeting past its address's cap, or the server's, with TOO_MANY_ROOMS", async () => {
    const address = "203.0.113.20";
    const [first, second, third] = [await newRoom(), await newRoom(), await newRoom()];
    assert.equal(await joinFrom(server, address, first), "welcome");
    assert.equal(await joinFrom(server, address, second), "welcome");
    const client = await connect(server, address);
    const mine = await answer(client, third.joinMessage());
    assert.equal(codeOf(mine), "TOO_MANY_ROOMS");
    assert.match(mine.type === "error" ? mine.message : "", /from your network/);
    // Joining a meeting that is open opens nothing: the address may.
    assert.equal(codeOf(await answer(client, first.joinMessage())), "welcome");

    assert.equal(await joinFrom(server, "203.0.113.21", third), "welcome");
    const everyone = await answer(
      await connect(server, "203.0.113.22"),
      (await newRoom()).joinMessage(),
    );
    assert.equal(codeOf(everyone), "TOO_MANY_ROOMS");
    assert.match(everyone.type === "error" ? everyone.message : "", /server is at its limit/);
    await closeAll(clients);
    await waitFor("the meetings to close", async () => {
      return (await metric(server.metricsUrl, "conclave_rooms")) === 0;
    });
    assert.equal(await joinFrom(server, "203.0.113.22", await newRoom()), "welcome");
  });
});

describe("the held-bytes cap", () => {
  let server: ServerProcess;
  const bots: Bot[] = [];
  before(async () => {
    server = await startServer({
      MAX_HELD_MIB: "1",
      MAX_HELD_MIB_PER_ADDRESS: "1",
      RECONNECT_WINDOW_MS: "60000",
    });
  });
  after(async () => {
    for (const bot of bots) bot.close();
    await server.stop();
  });

  it("gives up a held place that would keep more than the cap: its member comes back afresh", async () => {
    const relay = await networkCut(server.port);
    const room = await newRoom();
    const fragment = `/m/${room.roomId}#${room.secret}`;
    const join = async (url: string, name: string, reconnect = false) => {
      const bot = await joinBot({ url: url + fragment, name, publish: false, reconnect });
      bots.push(bot);
      return bot;
    };
    const ada = await join(server.url, "Ada");
    const cyd = await join(`http://127.0.0.1:${relay.port}`, "Cyd", true);
    await waitFor("both in the group", () =>
      bots.every((b) => b.stats().e2ee?.roster.length === 2),
    );
    const away = cyd.id;
    const left = new Promise((resolve) => ada.on("participant-left", resolve));
    relay.cut();
    await left;

    // Chat meant for Cyd is kept in its place until the place would hold more than 1 MiB.
    const text = "x".repeat(4000);
    const givenUp = () => server.logs.some((l) => l.includes("held place over the held-bytes cap"));
    await waitFor(
      "the server to give Cyd's place up",
      async () => (await ada.crypto.member.sendChat(text)) && givenUp(),
      40_000,
    );
    const reconnected = new Promise<boolean>((resolve) => cyd.on("reconnected", resolve));
    relay.restore();
    assert.equal(await reconnected, false, "the place was given up: Cyd joins afresh");
    assert.notEqual(cyd.id, away);
    await relay.close();
  });
});
