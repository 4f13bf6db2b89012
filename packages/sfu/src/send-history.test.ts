import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SendHistory } from "./send-history.ts";

describe("SendHistory", () => {
  it("reads a feedback across the 65535 → 0 wrap in send order", () => {
    const history = new SendHistory();
    for (let k = 0; k < 10; k++) history.sent((65530 + k) & 0xffff, 100 + k, k);
    const fates = history.fates({
      senderSsrc: 1,
      mediaSsrc: 2,
      baseSequence: 65532,
      arrivals: [1000, undefined, 3000, 4000, 5000],
      count: 0,
    });
    assert.deepEqual(
      fates.map((f) => [f.sentMs, f.arrivalMs, f.bytes]),
      [
        [2, 1, 102],
        [3, undefined, 103],
        [4, 3, 104],
        [5, 4, 105],
        [6, 5, 106],
      ],
    );
  });

  it("finds nothing of packets it never sent or has forgotten", () => {
    const history = new SendHistory();
    for (let k = 0; k < 5000; k++) history.sent(k, 1, k);
    const fates = history.fates({
      senderSsrc: 1,
      mediaSsrc: 2,
      baseSequence: 10,
      arrivals: [1, 2],
      count: 0,
    });
    assert.deepEqual(fates, []);
    const ahead = history.fates({
      senderSsrc: 1,
      mediaSsrc: 2,
      baseSequence: 5000,
      arrivals: [1],
      count: 0,
    });
    assert.deepEqual(ahead, []);
  });

  it("names each video packet a feedback reports lost to the m-line that sent it", () => {
    const history = new SendHistory();
    const lost: [number, boolean][] = [];
    const owner = {
      lostOnTheWay: (sequence: number, resend: boolean) => lost.push([sequence, resend]),
    };
    history.sent(10, 100, 0, owner, 500);
    history.sent(11, 100, 1); // audio or padding: nobody to repair it
    history.sent(12, 100, 2, owner, 501);
    history.sent(13, 100, 3, owner, 500, true);
    history.repairLost({
      senderSsrc: 1,
      mediaSsrc: 2,
      baseSequence: 10,
      arrivals: [undefined, undefined, 1000, undefined],
      count: 0,
    });
    assert.deepEqual(lost, [
      [500, false],
      [500, true],
    ]);
  });
});
