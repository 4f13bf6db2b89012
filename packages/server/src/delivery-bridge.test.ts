import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ParticipantId } from "@conclave/protocol";
import { deliverySteps } from "./delivery-bridge.ts";

const id = (c: string) => c.repeat(16) as ParticipantId;

describe("the delivery bridge", () => {
  it("seats admitted knocks first, closes removed members after their commit, the refused last", () => {
    const commit = {
      type: "mls-commit",
      from: id("a"),
      epoch: 3,
      commit: "AAAA",
    } as const;
    const steps = deliverySteps({
      deliveries: [
        { to: id("b"), message: commit },
        { to: id("c"), message: commit },
      ],
      leafChanged: [id("d")],
      removed: [id("c")],
      disconnect: [id("e")],
    });
    assert.deepEqual(
      steps.map((s) =>
        "id" in s ? `${s.kind} ${s.id[0]}` : "to" in s ? `send ${s.to[0]}` : s.kind,
      ),
      [
        "seat-admitted",
        "send b",
        "send c",
        "release-removed",
        "leaf-changed d",
        "close c",
        "follow-settings",
        "close e",
      ],
    );
    assert.deepEqual(
      steps.filter((s) => s.kind === "close").map((s) => s.kind === "close" && s.code),
      ["REMOVED", "BAD_MLS"],
    );
  });
});
