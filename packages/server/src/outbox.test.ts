import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ServerMessage } from "@conclave/protocol";
import type { Connection } from "./attendee.ts";
import { Outbox } from "./outbox.ts";

/** A write that resolves when the test says so. */
function pendingWrite() {
  let settle: (written: boolean) => void = () => {};
  const done = new Promise<boolean>((resolve) => {
    settle = resolve;
  });
  return { write: () => done, settle };
}

function recordingConnection(log: string[]): Connection {
  return {
    address: "192.0.2.1",
    send: (message: ServerMessage) => log.push(`send ${message.type}`),
    resend: (raw) => log.push(`resend ${raw}`),
    close: (code) => log.push(`close ${code}`),
    release: (code) => log.push(`release ${code}`),
    drop: () => log.push("drop"),
    seated: () => log.push("seated"),
  };
}

/** A queued send that throws is a bug: none does here. */
const noFailure = (error: unknown) => assert.fail(`a queued send threw: ${String(error)}`);

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe("the outbox: nothing is sent before the writes before it", () => {
  it("sends at once while nothing is being written", () => {
    const log: string[] = [];
    const outbox = new Outbox(() => assert.fail("nothing refused"), noFailure);
    outbox.connection(recordingConnection(log)).send({ type: "pong" });
    assert.deepEqual(log, ["send pong"]);
  });

  it("holds what is sent behind a write, in order, until it is written", async () => {
    const log: string[] = [];
    const outbox = new Outbox(() => assert.fail("nothing refused"), noFailure);
    const to = outbox.connection(recordingConnection(log));
    const first = pendingWrite();
    const second = pendingWrite();
    outbox.write(first.write);
    to.send({ type: "pong" });
    outbox.write(second.write);
    to.resend("after the second write");
    to.close("REMOVED", "removed");
    await settled();
    assert.deepEqual(log, [], "nothing before the first write is in");
    first.settle(true);
    await settled();
    assert.deepEqual(log, ["send pong"]);
    second.settle(true);
    await settled();
    assert.deepEqual(log, ["send pong", "resend after the second write", "close REMOVED"]);
    to.send({ type: "pong" });
    assert.equal(log.at(-1), "send pong", "at once again once everything is written");
  });

  it("sends nothing more once a write is refused, and says so once", async () => {
    const log: string[] = [];
    const refused: unknown[] = [];
    const outbox = new Outbox((error) => refused.push(error), noFailure);
    const to = outbox.connection(recordingConnection(log));
    const write = pendingWrite();
    outbox.write(write.write);
    to.send({ type: "pong" });
    outbox.write(async () => true);
    write.settle(false);
    await settled();
    to.send({ type: "pong" });
    outbox.write(async () => false);
    await settled();
    assert.deepEqual(log, [], "a stale owner's messages never go out");
    assert.deepEqual(refused, [null]);
    to.drop();
    assert.deepEqual(log, ["drop"], "dropping a connection is never held back");
  });

  it("takes a failed write as a refused one", async () => {
    const refused: unknown[] = [];
    const outbox = new Outbox((error) => refused.push(error), noFailure);
    const cause = new Error("Redis unreachable");
    outbox.write(async () => {
      throw cause;
    });
    await settled();
    assert.deepEqual(refused, [cause]);
  });

  it("finishes what is queued, what is queued meanwhile too, then writes and sends nothing", async () => {
    const log: string[] = [];
    const outbox = new Outbox(() => assert.fail("nothing refused"), noFailure);
    const to = outbox.connection(recordingConnection(log));
    const first = pendingWrite();
    const second = pendingWrite();
    outbox.write(first.write);
    to.close("SHUTTING_DOWN", "going out of service");
    let finished: boolean | null = null;
    void outbox.finish().then((done) => {
      finished = done;
    });
    // A message read as the connection closed: its write is still finished.
    outbox.write(second.write);
    first.settle(true);
    await settled();
    assert.deepEqual(log, ["close SHUTTING_DOWN"]);
    assert.equal(finished, null, "not before the write queued meanwhile");
    second.settle(true);
    await settled();
    await settled();
    assert.equal(finished, true);
    let late = false;
    outbox.write(async () => {
      late = true;
      return true;
    });
    to.send({ type: "pong" });
    await settled();
    assert.equal(late, false, "nothing written after");
    assert.deepEqual(log, ["close SHUTTING_DOWN"], "nothing sent after");
  });

  it("says a finish failed when a write was refused", async () => {
    const outbox = new Outbox(() => {}, noFailure);
    outbox.write(async () => false);
    assert.equal(await outbox.finish(), false);
  });
});
