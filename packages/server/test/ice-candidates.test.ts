/**
 * ICE candidates never hold up signalling. Firefox, and Chromium without camera or microphone
 * permission, hide their addresses behind mDNS names (`<uuid>.local`); resolving one takes the
 * media stack up to 10 s. The server reaches those peers through the peer-reflexive candidates
 * their connectivity checks reveal (RFC 8445 §7.3.1.3), so nobody waits for a name lookup.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { metric, newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { closeAll, publish, until } from "./werift-peers.ts";

const HIDDEN = 12;

function hiddenCandidate(i: number) {
  return {
    type: "ice-candidate",
    transport: "send",
    candidate: `candidate:${i} 1 udp 2122260223 ${randomUUID()}.local ${50_000 + i} typ host generation 0`,
    sdpMid: "0",
    sdpMLineIndex: 0,
  };
}

describe("ICE candidates and signalling", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    await server.stop();
  });

  it(`${HIDDEN} .local candidates from one participant delay another's signalling and its own pong by less than 100 ms`, async (t) => {
    const room = await newRoom();
    const alice = await SignallingClient.joined(server.url, room);
    const bob = await SignallingClient.joined(server.url, room);
    await alice.next("participant-joined");
    const pc = await publish(alice, ["audio", "video"], { trickling: true });
    // Measured once the handshakes are done, so their CPU time is not counted as delay.
    await until("Alice's publish connection", () => pc.connectionState === "connected");

    for (let i = 0; i < HIDDEN; i++) alice.send(hiddenCandidate(i));
    const fromAlice = alice.received.length;
    const fromBob = bob.received.length;
    const sent = performance.now();
    alice.send({ type: "media-state", audio: false, video: true });
    alice.send({ type: "ping" });

    await alice.next("pong", { from: fromAlice, timeoutMs: 2000 });
    const pongMs = performance.now() - sent;
    const update = await bob.next("participant-updated", { from: fromBob, timeoutMs: 2000 });
    const relayMs = performance.now() - sent;
    t.diagnostic(
      `pong after ${pongMs.toFixed(1)} ms, media-state relayed after ${relayMs.toFixed(1)} ms`,
    );
    assert.equal(update.participant.audio, false);
    assert.ok(pongMs < 100, `Alice's pong took ${pongMs.toFixed(0)} ms`);
    assert.ok(relayMs < 100, `Alice's media-state reached Bob after ${relayMs.toFixed(0)} ms`);
    assert.equal(
      await metric(server.metricsUrl, 'conclave_ice_candidates_total{outcome="hidden"}'),
      HIDDEN,
      "each hidden candidate is counted, none is looked up",
    );
    await closeAll();
    alice.close();
    bob.close();
  });

  it("a publisher whose offer hides every address still connects, by the address its checks come from", async () => {
    const room = await newRoom();
    const alice = await SignallingClient.joined(server.url, room);
    const pc = await publish(alice, ["audio", "video"], {
      trickling: true,
      rewrite: (sdp) =>
        sdp.replace(
          /^(a=candidate:\S+ \d+ \w+ \d+ )(\S+)/gm,
          (_, head: string) => `${head}${randomUUID()}.local`,
        ),
    });
    await until("Alice's publish connection", () => pc.connectionState === "connected", 10_000);
    await closeAll();
    alice.close();
  });
});
