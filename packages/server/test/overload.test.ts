/**
 * Past saturation the server degrades instead of collapsing (docs/operations.md "Overload"): while
 * its event loop lags it refuses new joins with SERVER_BUSY, keeps those already in, and takes
 * joins again once it keeps up. The lag is made real from outside: the server process is stopped
 * and continued in turns (SIGSTOP/SIGCONT), so the timers of its loop fire late, as when it
 * forwards more packets than its core can.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { metric, newRoom, SignallingClient } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { starve } from "./starve.ts";
import { waitFor } from "./wait-for.ts";

describe("a server whose event loop cannot keep up", () => {
  let server: ServerProcess;
  const clients: SignallingClient[] = [];
  before(async () => {
    server = await startServer({ MAX_EVENT_LOOP_DELAY_MS: "30" });
  });
  after(async () => {
    for (const client of clients) client.close();
    await server.stop();
  });

  it("refuses new joins with SERVER_BUSY while it lags, keeps its members, and takes joins again once it keeps up", async () => {
    const room = await newRoom();
    const member = await SignallingClient.joined(server.url, room);
    clients.push(member);
    assert.equal(await metric(server.metricsUrl, "conclave_overloaded"), 0);

    const starving = starve(server.pid);
    try {
      await waitFor("the server to report overload", async () => {
        return (await metric(server.metricsUrl, "conclave_overloaded")) === 1;
      });
      const newcomer = await SignallingClient.connect(server.url);
      clients.push(newcomer);
      newcomer.send(room.joinMessage());
      const refusal = await newcomer.next("error", { timeoutMs: 20_000 });
      assert.equal(refusal.code, "SERVER_BUSY");
      assert.match(refusal.message, /at capacity/);
    } finally {
      starving.stop();
    }

    await waitFor("the overload to pass", async () => {
      return (await metric(server.metricsUrl, "conclave_overloaded")) === 0;
    });
    assert.equal(member.ws.readyState, member.ws.OPEN, "the member kept its connection");
    const later = await SignallingClient.joined(server.url, room);
    clients.push(later);
  });
});
