/**
 * What crosses between a cluster's primary and its workers is validated like any wire message:
 * anything that is not a worker message is refused and changes nothing.
 */
import assert from "node:assert/strict";
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { HARD_FRAME_LIMIT } from "../listeners.ts";
import { parseFromWorker, parseToWorker } from "./worker-messages.ts";

const ROOM = "AAAAAAAAAAAAAAAAAAAAAA";

describe("messages between the primary and its workers", () => {
  it("accepts each kind of message as the other side sends it", () => {
    assert.deepEqual(parseToWorker({ type: "connect", connection: 3, address: "127.0.0.1" }), {
      type: "connect",
      connection: 3,
      address: "127.0.0.1",
    });
    assert.ok(parseToWorker({ type: "frame", connection: 3, text: '{"type":"ping"}' }));
    assert.ok(parseToWorker({ type: "frame", connection: 3, text: null }));
    assert.ok(
      parseFromWorker({ type: "placed", connection: 3, room: ROOM, open: true, seated: true }),
    );
    assert.ok(parseFromWorker({ type: "close", connection: 3, code: 4000, reason: "REMOVED" }));
  });

  it("refuses what is not one: unknown types, extra fields, wrong values, oversized frames", () => {
    const bad: unknown[] = [
      null,
      "connect",
      { type: "spawn", command: "sh" },
      { type: "connect", connection: -1, address: "127.0.0.1" },
      { type: "connect", connection: 1.5, address: "127.0.0.1" },
      { type: "connect", connection: 1, address: "" },
      { type: "frame", connection: 1, text: "x".repeat(HARD_FRAME_LIMIT + 1) },
      { type: "frame", connection: 1, text: 7 },
      { type: "drain", now: true },
      { type: "metrics", request: "all" },
    ];
    for (const [i, message] of bad.entries())
      assert.equal(parseToWorker(message), null, `case ${i}`);
    const badFromWorker: unknown[] = [
      { type: "placed", connection: 1, room: "../../etc", open: true, seated: true },
      { type: "close", connection: 1, code: 1, reason: "x" },
      { type: "send", connection: 1, text: "x", to: "everyone" },
      { type: "load", overloaded: "yes" },
      {
        type: "metrics",
        request: 0,
        metrics: [{ name: "x", help: "", type: "exotic", values: [] }],
      },
    ];
    for (const [i, message] of badFromWorker.entries()) {
      assert.equal(parseFromWorker(message), null, `case ${i}`);
    }
  });

  it("a worker process refuses bad input from its channel and keeps serving", async () => {
    const main = fileURLToPath(new URL("./worker-main.ts", import.meta.url));
    const child: ChildProcess = fork(main, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, CONCLAVE_WORKER: "0", LOG_LEVEL: "info", WORKERS: "2" },
      stdio: ["ignore", "pipe", "inherit", "ipc"],
    });
    const lines: string[] = [];
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => lines.push(chunk));
    const received: unknown[] = [];
    child.on("message", (m) => received.push(m));
    const deadline = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      const until = async (what: string, condition: () => boolean) => {
        while (!condition()) {
          if (child.exitCode !== null) throw new Error(`the worker exited before ${what}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await until("ready", () => received.some((m) => (m as { type?: string }).type === "ready"));
      child.send({ type: "frame", connection: -1, text: "hello" });
      child.send({ type: "connect", connection: 1, address: "127.0.0.1", extra: "field" });
      child.send({ type: "frame", connection: 1, text: '{"type":"ping"}' });
      await until("both refusals to be logged", () => {
        return lines.join("").split("refused a message").length === 3;
      });
      child.send({ type: "metrics", request: 7 });
      await until("the metrics reply", () =>
        received.some((m) => (m as { type?: string; request?: number }).request === 7),
      );
      // The refused `connect` opened nothing: the ping on connection 1 reached no session.
      assert.equal(
        received.some((m) => (m as { type?: string }).type === "send"),
        false,
      );
    } finally {
      clearTimeout(deadline);
      child.kill("SIGKILL");
      if (child.exitCode === null && child.signalCode === null) await once(child, "exit");
    }
  });
});
