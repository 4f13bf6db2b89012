import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { LossRepair } from "./loss-repair.ts";

describe("loss repair (bounded NACK, RFC 4585 §6.2.1)", () => {
  it("asks for a gap at once, then once per round trip, and gives up after the limit", async () => {
    const requests: number[][] = [];
    const repair = new LossRepair((_ssrc, lost) => requests.push([...lost]), {
      maxRequests: 3,
      roundTripMs: () => 30,
      window: 256,
    });
    repair.received(1, 10);
    repair.received(1, 13);
    assert.deepEqual(requests, [[11, 12]]);
    const deadline = Date.now() + 2000;
    while (requests.length < 3 && Date.now() < deadline) await sleep(5);
    await sleep(100);
    repair.close();
    assert.deepEqual(requests, [
      [11, 12],
      [11, 12],
      [11, 12],
    ]);
    assert.equal(repair.requested, 6);
  });

  it("stops asking for a packet once it arrives", async () => {
    const requests: number[][] = [];
    const repair = new LossRepair((_ssrc, lost) => requests.push([...lost]), {
      maxRequests: 5,
      roundTripMs: () => 20,
      window: 256,
    });
    repair.received(7, 65534);
    repair.received(7, 1);
    assert.deepEqual(requests, [[65535, 0]]);
    repair.received(7, 65535);
    repair.received(7, 0);
    await sleep(80);
    repair.close();
    assert.deepEqual(requests, [[65535, 0]]);
  });

  it("keeps each SSRC's sequence apart (simulcast layers)", () => {
    const requests: [number, number[]][] = [];
    const repair = new LossRepair((ssrc, lost) => requests.push([ssrc, [...lost]]), {
      maxRequests: 1,
      roundTripMs: () => 50,
      window: 256,
    });
    repair.received(1, 100);
    repair.received(2, 5000);
    repair.received(1, 101);
    repair.received(2, 5001);
    repair.close();
    assert.deepEqual(requests, []);
  });

  it("takes a jump past the window for a restarted stream, not for loss", () => {
    const requests: number[][] = [];
    const repair = new LossRepair((_ssrc, lost) => requests.push([...lost]), {
      maxRequests: 3,
      roundTripMs: () => 50,
      window: 256,
    });
    repair.received(1, 100);
    repair.received(1, 20_000);
    repair.close();
    assert.deepEqual(requests, []);
  });
});
