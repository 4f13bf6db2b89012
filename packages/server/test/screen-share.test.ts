/**
 * Screen share through the real server: the `screen-share` message starts and stops forwarding a
 * publisher's screen m-lines, and bad input gets an error code and changes nothing.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SubscribedTrack } from "@conclave/protocol";
import { newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { holdsFor, settled } from "./wait-for.ts";
import { closeAll, publish, subscriber, until } from "./werift-peers.ts";

const sourcesOf = (tracks: readonly SubscribedTrack[], id: string) =>
  tracks
    .filter((t) => t.participantId === id)
    .map((t) => `${t.source}/${t.kind}`)
    .sort()
    .join(" ");

describe("screen share through the server", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await closeAll();
    await server.stop();
  });

  it("forwards a publisher's screen and screen audio while it shares them, and only then", async () => {
    const room = await newRoom();
    const alice = await SignallingClient.joined(server.url, room);
    const aliceId = (await alice.next("welcome")).selfId;
    const bob = await SignallingClient.joined(server.url, room);
    const bobView = subscriber(bob);

    // Before publishing there is nothing to share; bad input changes nothing either.
    const cases: Array<[unknown, string]> = [
      [{ type: "screen-share", video: true, audio: false }, "NEGOTIATION_FAILED"],
      [{ type: "screen-share", video: false, audio: true }, "BAD_MESSAGE"],
      [{ type: "screen-share", video: 1, audio: false }, "BAD_MESSAGE"],
      [{ type: "keyframe-request", participantId: aliceId, source: "screenAudio" }, "BAD_MESSAGE"],
    ];
    for (const [message, code] of cases) {
      const from = alice.received.length;
      alice.send(message);
      assert.equal((await alice.next("error", { from })).code, code, JSON.stringify(message));
    }

    await publish(alice, ["audio", "video", "video", "audio"]);
    await until(
      "Bob to get Alice's microphone and camera",
      () => sourcesOf(bobView.latest, aliceId) === "camera/video microphone/audio",
    );
    const quiet = await settled("Bob's renegotiation", () => bobView.answered);
    for (const [message, code] of cases.slice(1)) {
      const from = alice.received.length;
      alice.send(message);
      assert.equal((await alice.next("error", { from })).code, code, JSON.stringify(message));
    }
    await holdsFor("no renegotiation", () => bobView.answered === quiet, 300);
    assert.equal(bobView.answered, quiet, "refused messages caused no renegotiation");

    alice.send({ type: "screen-share", video: true, audio: true });
    await until(
      "Bob to get Alice's screen and its audio",
      () =>
        sourcesOf(bobView.latest, aliceId) ===
        "camera/video microphone/audio screen/video screenAudio/audio",
    );
    // A late joiner gets the share that is on.
    const carol = await SignallingClient.joined(server.url, room);
    const carolView = subscriber(carol);
    await until("Carol to get Alice's screen", () =>
      sourcesOf(carolView.latest, aliceId).includes("screen/video"),
    );
    alice.send({ type: "keyframe-request", participantId: aliceId, source: "screen" });

    alice.send({ type: "screen-share", video: false, audio: false });
    await until("the screen to leave Bob's and Carol's offers", () =>
      [bobView, carolView].every(
        (v) => sourcesOf(v.latest, aliceId) === "camera/video microphone/audio",
      ),
    );
    assert.equal(alice.received.filter((m) => m.type === "error").length, cases.length * 2 - 1);
    await closeAll();
    for (const client of [alice, bob, carol]) client.close();
  });

  it("refuses screen-share from a publisher whose offer has no screen m-lines", async () => {
    const room = await newRoom();
    const dan = await SignallingClient.joined(server.url, room);
    await publish(dan, ["audio", "video"]);
    const from = dan.received.length;
    dan.send({ type: "screen-share", video: true, audio: false });
    assert.equal((await dan.next("error", { from })).code, "NEGOTIATION_FAILED");
    await closeAll();
    dan.close();
  });
});
