/**
 * The lobby (docs/protocol.md "Lobby"): a knock, which has no server key, waits apart from the
 * meeting and receives nothing of it; what it may send is narrow; knocks are rate-limited per
 * address.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { type Bot, joinBot } from "@conclave/bot";
import { PROTOCOL_VERSION, toBase64url } from "@conclave/protocol";
import { newRoom, SignallingClient, type TestRoom } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { waitFor } from "./wait-for.ts";

const knockJoin = (room: TestRoom, name: string) => ({
  type: "join",
  protocol: PROTOCOL_VERSION,
  roomId: room.roomId,
  knock: { name },
});

/** The only messages a knock may see before a host admits it. */
const LOBBY_TYPES = new Set(["lobby", "room-status", "error", "pong"]);

describe("the lobby", () => {
  let server: ServerProcess;
  const bots: Bot[] = [];
  const clients: SignallingClient[] = [];
  let room: TestRoom;

  before(async () => {
    server = await startServer({ KNOCKS_PER_MINUTE: "6" });
    room = await newRoom();
    const url = `${server.url}/m/${room.roomId}#${room.secret}`;
    for (const name of ["Ada", "Ben"]) bots.push(await joinBot({ url, name }));
    await waitFor("both bots in the group", () =>
      bots.every((b) => b.stats().e2ee?.roster.length === 2),
    );
  });
  after(async () => {
    for (const c of clients) c.close();
    for (const bot of bots) bot.close();
    await server.stop();
  });

  const knock = async (name: string, target = room) => {
    const client = await SignallingClient.connect(server.url);
    clients.push(client);
    client.send(knockJoin(target, name));
    return client;
  };

  it("a knock waits in the lobby and receives nothing of the meeting", async () => {
    const knocker = await knock("Mallory");
    const lobby = await knocker.next("lobby");
    assert.equal(lobby.group.epoch >= 1, true);
    const status = await knocker.next("room-status");
    assert.deepEqual(status, { type: "room-status", locked: false, lobbyMandatory: false });

    // What it may not do: media, group messages, a proof it cannot have, denying others.
    const from = knocker.received.length;
    knocker.send({ type: "publish", sdp: "v=0" });
    assert.equal((await knocker.next("error", { from })).code, "NOT_JOINED");
    const from2 = knocker.received.length;
    knocker.send({ type: "mls-message", message: "AAAAAAAA" });
    assert.equal((await knocker.next("error", { from: from2 })).code, "NOT_JOINED");
    const from3 = knocker.received.length;
    knocker.send({ type: "mls-key-package", keyPackage: "AAAAAAAA", proof: "A".repeat(43) });
    assert.equal((await knocker.next("error", { from: from3 })).code, "BAD_MESSAGE");
    const from4 = knocker.received.length;
    knocker.send({ type: "lobby-deny", participantId: lobby.selfId });
    assert.equal((await knocker.next("error", { from: from4 })).code, "NOT_JOINED");

    // Meanwhile the meeting goes on: someone joins (participants, KeyPackage, commit, Welcome).
    bots.push(await joinBot({ url: `${server.url}/m/${room.roomId}#${room.secret}`, name: "Cyd" }));
    await waitFor("Cyd in the group", () => bots.every((b) => b.stats().e2ee?.roster.length === 3));
    const seen = knocker.received.map((m) => m.type).filter((t) => !LOBBY_TYPES.has(t));
    assert.deepEqual(seen, [], "a knock received something of the meeting");
    assert.ok(
      !knocker.received.some((m) => m.type === "error" && m.code === "DENIED"),
      "nobody denied it",
    );
  });

  it("bad knocks are refused and change nothing", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...knockJoin(room, "Eve"), serverKey: room.serverKey }, "BAD_MESSAGE"],
      [knockJoin(room, "   "), "BAD_MESSAGE"],
      [knockJoin(room, "E\u0007ve"), "BAD_MESSAGE"],
      [knockJoin(room, "x".repeat(65)), "BAD_MESSAGE"],
      [{ type: "join", protocol: PROTOCOL_VERSION, roomId: room.roomId }, "BAD_MESSAGE"],
    ];
    for (const [message, code] of cases) {
      const client = await SignallingClient.connect(server.url);
      clients.push(client);
      client.send(message);
      assert.equal((await client.next("error")).code, code, JSON.stringify(message));
    }
    // A token that opens no place (an admitted knocker's, after the window): it knocks again.
    const stale = await SignallingClient.connect(server.url);
    clients.push(stale);
    stale.send({
      ...knockJoin(room, "Eve"),
      resume: { participantId: "a".repeat(16), token: "b".repeat(43), received: 0 },
    });
    await stale.next("lobby");
    // A room nobody is in: no lobby to wait in, and nothing created.
    const empty = await newRoom();
    const nobody = await knock("Eve", empty);
    assert.equal((await nobody.next("error")).code, "NO_MEETING");
  });

  it("a knock's name reaches the members normalised: no bidi or zero-width characters", async () => {
    const own = await newRoom();
    const host = await SignallingClient.joined(server.url, own);
    clients.push(host);
    // The first member founds the group; its second `mls-found` answers once the first is done.
    const groupId = toBase64url(randomBytes(16));
    host.send({ type: "mls-found", groupId });
    host.send({ type: "mls-found", groupId });
    assert.equal((await host.next("error")).code, "GROUP_EXISTS");

    await (await knock("\u2066Eve\u202e (admin)\u200b", own)).next("lobby");
    await host.next("knock");
    const relayed = host.raw.map((raw) => JSON.parse(raw)).find((m) => m.type === "knock");
    assert.equal(relayed?.name, "Eve (admin)");
    assert.doesNotMatch(host.raw.join(""), /[\u200b-\u200f\u202a-\u202e\u2060-\u2069]/u);
  });

  it("too many knocks from one address get RATE_LIMITED with a message", async () => {
    let limited: { code: string; message: string } | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const client = await knock(`Guest ${i}`);
      await waitFor("an answer", () =>
        client.received.some((m) => m.type === "lobby" || m.type === "error"),
      );
      const error = client.received.find((m) => m.type === "error");
      if (error?.type === "error") limited = error;
    }
    assert.equal(limited?.code, "RATE_LIMITED");
    assert.match(limited?.message ?? "", /too many knocks/);
  });
});

describe("a knock coming back", () => {
  let server: ServerProcess;
  const clients: SignallingClient[] = [];
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.stop();
  });

  const knock = async (room: TestRoom, name: string, resume?: Record<string, unknown>) => {
    const client = await SignallingClient.connect(server.url);
    clients.push(client);
    client.send({ ...knockJoin(room, name), ...(resume ? { resume } : {}) });
    await waitFor(`${name}'s answer`, () =>
      client.received.some((m) => m.type === "lobby" || m.type === "error"),
    );
    return client;
  };
  const closed = (client: SignallingClient) =>
    waitFor("the connection closed", () => client.ws.readyState === client.ws.CLOSED);

  it("waits on in its knock under the same id with its token, once; any other token knocks anew", async () => {
    const room = await newRoom();
    const host = await SignallingClient.joined(server.url, room);
    clients.push(host);
    host.send({ type: "mls-found", groupId: toBase64url(randomBytes(16)) });
    const kim = await knock(room, "Kim Ode");
    const lou = await knock(room, "Lou Ray");
    const [kimLobby, louLobby] = [await kim.next("lobby"), await lou.next("lobby")];
    assert.equal(kimLobby.resumed, false);
    await waitFor("the host told of both", () =>
      [kimLobby, louLobby].every((l) =>
        host.received.some((m) => m.type === "knock" && m.from === l.selfId),
      ),
    );

    // Kim's page comes back on a new connection before the server noticed the old one died.
    const resume = { participantId: kimLobby.selfId, token: kimLobby.resumeToken, received: 0 };
    const kimAgain = await knock(room, "Kim Ode", resume);
    const again = await kimAgain.next("lobby");
    assert.equal(again.resumed, true);
    assert.equal(again.selfId, kimLobby.selfId, "the same knock");
    assert.notEqual(again.resumeToken, kimLobby.resumeToken, "with a new token");
    await closed(kim);
    const aboutKim = host.received.filter(
      (m) => (m.type === "knock" || m.type === "knock-ended") && m.from === kimLobby.selfId,
    );
    assert.deepEqual(
      aboutKim.map((m) => m.type),
      ["knock", "knock"],
      "told again, never ended",
    );

    // The token it used is refused and seats nobody; a wrong one for Lou's knock knocks anew.
    const used = await knock(room, "Kim Ode", resume);
    assert.equal((await used.next("error")).code, "RESUME_TOKEN_USED");
    assert.ok(!used.received.some((m) => m.type === "lobby"));
    const wrong = { participantId: louLobby.selfId, token: "b".repeat(43), received: 0 };
    const other = await knock(room, "Lou Ray", wrong);
    const otherLobby = await other.next("lobby");
    assert.equal(otherLobby.resumed, false);
    assert.notEqual(otherLobby.selfId, louLobby.selfId, "not Lou's knock");
    assert.equal(lou.ws.readyState, lou.ws.OPEN, "Lou still waits");

    // A knock whose knocker cancels (`leave`) ends at once; one whose connection only drops
    // waits for its knocker (knock-reconnect.test.ts).
    kimAgain.send({ type: "leave" });
    await waitFor("Kim's knock ended", () =>
      host.received.some(
        (m) => m.type === "knock-ended" && m.from === kimLobby.selfId && m.reason === "left",
      ),
    );
    assert.ok(
      !host.received.some((m) => m.type === "knock-ended" && m.from === louLobby.selfId),
      "Lou's knock goes on",
    );
  });
});
