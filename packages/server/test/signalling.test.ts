import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { MAX_MESSAGE_BYTES } from "@conclave/protocol";
import { metric, newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { holdsFor, waitFor } from "./wait-for.ts";

describe("signalling", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ MAX_PARTICIPANTS: "3" });
  });
  after(async () => {
    assert.equal(await server.stop(), 0, "SIGTERM drains and exits cleanly");
  });

  it("answers malformed, oversized and unknown messages with an error and changes nothing", async () => {
    const room = await newRoom();
    const alice = await SignallingClient.joined(server.url, room);
    const bob = await SignallingClient.joined(server.url, room);
    const welcome = await bob.next("welcome");
    const aliceId = (await alice.next("welcome")).selfId;
    assert.deepEqual(
      welcome.participants.map((p) => p.id),
      [aliceId],
    );
    await alice.next("participant-joined");
    const aliceSeen = alice.received.length;

    const cases: Array<[unknown, string]> = [
      ["{not json", "BAD_JSON"],
      ["[1,2]", "BAD_MESSAGE"],
      [{ type: "make-me-host" }, "UNKNOWN_TYPE"],
      [{ type: "publish", sdp: "x".repeat(MAX_MESSAGE_BYTES + 1) }, "TOO_LARGE"],
      [{ type: "media-state", audio: "loud", video: true }, "BAD_MESSAGE"],
      [{ type: "leave", now: true }, "BAD_MESSAGE"],
      [room.joinMessage(), "ALREADY_JOINED"],
      [{ type: "subscribe-answer", sdp: "v=0" }, "NEGOTIATION_FAILED"],
      [{ type: "publish", sdp: "v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n" }, "NEGOTIATION_FAILED"],
    ];
    for (const [message, code] of cases) {
      const from = bob.received.length;
      bob.send(message);
      const error = await bob.next("error", { from });
      assert.equal(error.code, code, JSON.stringify(message).slice(0, 80));
    }
    const from = bob.received.length;
    bob.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await bob.next("error", { from })).code, "BAD_MESSAGE");

    // Nothing reached Alice, the room still has both, and Bob's connection still works.
    assert.equal(alice.received.length, aliceSeen);
    assert.equal(await metric(server.metricsUrl, "conclave_participants"), 2);
    bob.send({ type: "media-state", audio: false, video: true });
    const update = await alice.next("participant-updated", { from: aliceSeen });
    assert.equal(update.participant.id, welcome.selfId);
    assert.equal(update.participant.audio, false);

    bob.send({ type: "leave" });
    const left = await alice.next("participant-left");
    assert.equal(left.reason, "left");
    alice.close();
  });

  it("answers a message before join with NOT_JOINED and still accepts the join", async () => {
    const room = await newRoom();
    const client = await SignallingClient.connect(server.url);
    client.send({ type: "media-state", audio: true, video: true });
    assert.equal((await client.next("error")).code, "NOT_JOINED");
    client.send(room.joinMessage());
    await client.next("welcome");
    client.close();
  });

  it("refuses a join whose server key does not hash to the room id, and nobody sees it", async () => {
    const room = await newRoom();
    const other = await newRoom();
    const alice = await SignallingClient.joined(server.url, room);
    const mallory = await SignallingClient.connect(server.url);
    mallory.send({ ...room.joinMessage(), serverKey: other.serverKey });
    assert.equal((await mallory.next("error")).code, "GATE_REFUSED");
    mallory.send({ ...room.joinMessage(), protocol: 1 });
    assert.equal((await mallory.next("error", { from: 1 })).code, "UNSUPPORTED_VERSION");
    const joinedSeen = () => alice.received.filter((m) => m.type === "participant-joined").length;
    await holdsFor("nobody to hear of Mallory", () => joinedSeen() === 0, 200);
    assert.equal(alice.received.filter((m) => m.type === "participant-joined").length, 0);
    alice.close();
    mallory.close();
  });

  it("refuses a join past MAX_PARTICIPANTS with ROOM_FULL", async () => {
    const room = await newRoom();
    const clients = await Promise.all([1, 2, 3].map(() => SignallingClient.connect(server.url)));
    for (const client of clients) {
      client.send(room.joinMessage());
      await client.next("welcome");
    }
    const fourth = await SignallingClient.connect(server.url);
    fourth.send(room.joinMessage());
    assert.equal((await fourth.next("error")).code, "ROOM_FULL");
    for (const client of [...clients, fourth]) client.close();
  });

  it("tells the others when a socket drops without leaving", async () => {
    const room = await newRoom();
    const alice = await SignallingClient.joined(server.url, room);
    const bob = await SignallingClient.joined(server.url, room);
    bob.ws.terminate();
    const left = await alice.next("participant-left");
    assert.equal(left.reason, "disconnected");
    alice.close();
  });

  it("rate-limits a flood of messages with RATE_LIMITED", async () => {
    const client = await SignallingClient.connect(server.url);
    for (let i = 0; i < 200; i++) client.send({ type: "leave" });
    await client.next("error", { timeoutMs: 5000 });
    await waitFor(
      "a RATE_LIMITED reply",
      () => client.received.some((m) => m.type === "error" && m.code === "RATE_LIMITED"),
      5000,
    );
    client.close();
  });
});
