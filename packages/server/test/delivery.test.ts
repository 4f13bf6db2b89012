import assert from "node:assert/strict";
import { once } from "node:events";
import { after, before, describe, it } from "node:test";
import { toBase64url } from "@conclave/protocol";
import { newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";

describe("delivery service over signalling", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ MLS_JOIN_GRACE_MS: "1500" });
  });
  after(async () => {
    await server.stop();
  });

  it("tells joiners the group, refuses a second founder and non-members", async () => {
    const room = await newRoom();
    const alice = await SignallingClient.joined(server.url, room);
    assert.equal((await alice.next("welcome")).group, null, "an empty room has no group yet");
    const groupId = toBase64url(crypto.getRandomValues(new Uint8Array(16)));
    alice.send({ type: "mls-found", groupId });
    const bob = await SignallingClient.connect(server.url);
    bob.send(room.joinMessage());
    const welcome = await bob.next("welcome");
    assert.deepEqual(welcome.group, { groupId, epoch: 0 });
    assert.equal(welcome.participants[0]?.leaf, 0, "the founder holds leaf 0");
    bob.send({ type: "mls-found", groupId });
    assert.equal((await bob.next("error")).code, "GROUP_EXISTS");
    bob.send({ type: "mls-commit", epoch: 0, commit: "AAAAAAAA", welcome: null });
    assert.equal((await bob.next("error", { from: bob.received.length })).code, "NOT_A_MEMBER");
    alice.send({ type: "mls-commit", epoch: 0, commit: "AAAAAAAA", welcome: null });
    assert.equal((await alice.next("error")).code, "BAD_MLS");
    alice.close();
    bob.close();
  });

  it("closes a connection that is not admitted to the group within the grace period", async () => {
    const room = await newRoom();
    const alice = await SignallingClient.joined(server.url, room);
    alice.send({
      type: "mls-found",
      groupId: toBase64url(crypto.getRandomValues(new Uint8Array(16))),
    });
    const bob = await SignallingClient.joined(server.url, room);
    const closed = once(bob.ws, "close");
    const error = await bob.next("error", { timeoutMs: 5000 });
    assert.equal(error.code, "NOT_A_MEMBER");
    await closed;
    const left = await alice.next("participant-left");
    assert.equal(left.reason, "disconnected");
    assert.equal(alice.ws.readyState, alice.ws.OPEN, "the founder, a member, stays");
    alice.close();
  });
});
