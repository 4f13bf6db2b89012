import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import type { ParticipantId, RoomId } from "@conclave/protocol";
import { HONEST } from "./interception.ts";

const SRC = new URL("./", import.meta.url);

describe("the interception seam", () => {
  it("the honest server passes every message and packet through unchanged", async () => {
    const to = { room: "r" as RoomId, id: "p" as ParticipantId, send() {}, close() {} };
    const ping = { type: "ping" } as const;
    assert.equal(await HONEST.inbound(to, ping), ping);
    assert.deepEqual(HONEST.outbound(to, { type: "pong" }), [{ type: "pong" }]);
    assert.equal(HONEST.packet, undefined, "packets are forwarded untouched");
  });

  it("production code reaches the attacks only by the seam: the names, and one load in server.ts", async () => {
    const files = (await readdir(SRC)).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
    const reaching: string[] = [];
    for (const file of files) {
      const text = await readFile(new URL(file, SRC), "utf8");
      for (const [, path] of text.matchAll(/(?:from|import\()\s*"(\.\/attacks\/[^"]+)"/g)) {
        reaching.push(`${file} → ${path}`);
      }
    }
    assert.deepEqual(reaching.sort(), [
      "config.ts → ./attacks/names.ts",
      "server.ts → ./attacks/hostile-server.ts",
      "server.ts → ./attacks/names.ts",
    ]);
  });
});
