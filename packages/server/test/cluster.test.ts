/**
 * Every core of one machine (docs/architecture.md "Every core of one machine"): with WORKERS=2 a
 * primary holds the connections and each meeting lives in one of two worker processes. Real bots,
 * real media, the real server processes on loopback.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Bot, type BotEvents, joinBot } from "@conclave/bot";
import { decryptedFrom } from "./bot-readings.ts";
import { type NetworkCut, networkCut } from "./network-cut.ts";
import { metric, newRoom, SignallingClient, type TestRoom } from "./signalling-client.ts";
import { type ServerProcess, startServer } from "./start-server.ts";
import { starve } from "./starve.ts";
import { waitFor } from "./wait-for.ts";

function next<K extends keyof BotEvents>(bot: Bot, event: K): Promise<BotEvents[K]> {
  return new Promise((resolve) => {
    const off = bot.on(event, (...args) => {
      off();
      resolve(args);
    });
  });
}

/** The JSON log lines of the server (primary and workers) with this message. */
function logged(server: ServerProcess, msg: string): Record<string, unknown>[] {
  return server.logs
    .filter((line) => line.includes(`"msg":"${msg}"`))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The worker the primary placed `room` on (its "meeting placed" log line), last placement first. */
function workerOf(server: ServerProcess, room: TestRoom): number | undefined {
  const placed = logged(server, "meeting placed").filter((l) => l.room === room.roomId.slice(0, 6));
  return placed.at(-1)?.worker as number | undefined;
}

/** The pid of worker `index` as it last started. */
function workerPid(server: ServerProcess, index: number): number | undefined {
  const started = logged(server, "worker started").filter((l) => l.worker === index);
  return started.at(-1)?.pid as number | undefined;
}

describe("a server on every core (WORKERS=2)", () => {
  let server: ServerProcess;
  let relay: NetworkCut;
  const bots: Bot[] = [];
  const link = (room: TestRoom, port = server.port) =>
    `http://127.0.0.1:${port}/m/${room.roomId}#${room.secret}`;

  before(async () => {
    server = await startServer({ WORKERS: "2" });
    await waitFor("both workers to start", () => logged(server, "worker started").length === 2);
    relay = await networkCut(server.port);
  });
  after(async () => {
    for (const bot of bots) bot.close();
    await relay.close();
    await server.stop();
  });

  it("places two meetings on different workers, and media flows end to end in each", async () => {
    const rooms = [await newRoom(), await newRoom()];
    const meetings: Bot[][] = [];
    for (const [i, room] of rooms.entries()) {
      const pair = [
        await joinBot({ url: link(room), name: `A${i}` }),
        await joinBot({ url: link(room), name: `B${i}` }),
      ];
      bots.push(...pair);
      meetings.push(pair);
    }
    const [first, second] = rooms.map((room) => workerOf(server, room));
    assert.notEqual(first, undefined);
    assert.notEqual(second, undefined);
    assert.notEqual(first, second, "the second meeting went to the other, idle worker");
    await waitFor(
      "everyone to decrypt the other in their meeting",
      () =>
        meetings.every(
          ([a, b]) => !!a && !!b && decryptedFrom(a, b) > 50 && decryptedFrom(b, a) > 50,
        ),
      30_000,
    );
    // One scrape sums both workers (a worker too busy to answer within its time is left out of
    // that scrape, conclave_workers_ready says so): wait for one where both answered.
    await waitFor("a scrape summing both workers", async () => {
      const text = await (await fetch(`${server.metricsUrl}/metrics`)).text();
      const value = (name: string) =>
        Number(
          text
            .split("\n")
            .find((l) => l.startsWith(`${name} `))
            ?.split(" ")[1],
        );
      const ready = value("conclave_workers_ready");
      const [rooms, people, forwarded] = [
        value("conclave_rooms"),
        value("conclave_participants"),
        value("conclave_sfu_packets_forwarded_total"),
      ];
      if (ready !== 2) return false;
      assert.equal(rooms, 2, "rooms summed over the workers");
      assert.equal(people, 4, "participants summed over the workers");
      assert.ok(forwarded > 0, "packets forwarded");
      return true;
    });
    for (const bot of bots.splice(0)) bot.close();
  });

  it("gives a dropped member its place back in the same worker, with the same leaf", async () => {
    const room = await newRoom();
    const ada = await joinBot({ url: link(room), name: "Ada" });
    bots.push(ada);
    const cyd = await joinBot({ url: link(room, relay.port), name: "Cyd", reconnect: true });
    bots.push(cyd);
    await waitFor("both to decrypt each other", () => {
      return decryptedFrom(ada, cyd) > 50 && decryptedFrom(cyd, ada) > 50;
    });
    const before = { id: cyd.id, leaf: cyd.crypto.member.ownLeaf, epoch: ada.crypto.member.epoch };
    const left = next(ada, "participant-left");
    relay.cut();
    assert.deepEqual(await left, [cyd.id, "disconnected"]);
    const reconnected = next(cyd, "reconnected");
    relay.restore();
    assert.deepEqual(await reconnected, [true, true], "the held place and media peer were there");
    assert.equal(cyd.id, before.id);
    assert.equal(cyd.crypto.member.ownLeaf, before.leaf, "same leaf");
    assert.equal(ada.crypto.member.epoch, before.epoch, "no Remove, no Add");
    const fromCyd = decryptedFrom(ada, cyd);
    await waitFor("media from Cyd again", () => decryptedFrom(ada, cyd) > fromCyd + 20);
    assert.equal(logged(server, "meeting placed").length, 3, "the resume placed no new meeting");
    for (const bot of bots.splice(0)) bot.close();
  });

  it("restarts a worker that dies, and its participants join its meeting again", async () => {
    const room = await newRoom();
    const ada = await joinBot({ url: link(room), name: "Ada", reconnect: true });
    bots.push(ada);
    const ben = await joinBot({ url: link(room), name: "Ben", reconnect: true });
    bots.push(ben);
    await waitFor("both to decrypt each other", () => {
      return decryptedFrom(ada, ben) > 50 && decryptedFrom(ben, ada) > 50;
    });
    const worker = workerOf(server, room);
    assert.notEqual(worker, undefined);
    const pid = workerPid(server, worker ?? -1);
    assert.ok(pid, "the worker's pid is in its start line");
    const back = [next(ada, "reconnected"), next(ben, "reconnected")];
    process.kill(pid, "SIGKILL");
    await waitFor("the worker to start again", () => workerPid(server, worker ?? -1) !== pid);
    // Its meeting died with it: the place cannot be taken back, so both join it afresh.
    assert.deepEqual(
      (await Promise.all(back)).map(([resumed]) => resumed),
      [false, false],
    );
    await waitFor(
      "both to be in one group again and decrypt each other",
      () =>
        ada.crypto.member.roster.length === 2 &&
        ben.crypto.member.roster.length === 2 &&
        decryptedFrom(ada, ben) > 50 &&
        decryptedFrom(ben, ada) > 50,
      30_000,
    );
    assert.equal(await metric(server.metricsUrl, "conclave_worker_restarts_total"), 1);
    await waitFor("both workers to answer a scrape again", async () => {
      return (await metric(server.metricsUrl, "conclave_workers_ready")) === 2;
    });
    for (const bot of bots.splice(0)) bot.close();
  });
});

describe("overload in a server on every core (WORKERS=2)", () => {
  let server: ServerProcess;
  const clients: SignallingClient[] = [];
  before(async () => {
    server = await startServer({ WORKERS: "2", MAX_EVENT_LOOP_DELAY_MS: "30" });
    await waitFor("both workers to start", () => logged(server, "worker started").length === 2);
  });
  after(async () => {
    for (const client of clients) client.close();
    await server.stop();
  });

  it("refuses joins only in the lagging worker's meetings, and places new meetings elsewhere", async () => {
    const [busy, calm, fresh] = [await newRoom(), await newRoom(), await newRoom()];
    clients.push(await SignallingClient.joined(server.url, busy));
    clients.push(await SignallingClient.joined(server.url, calm));
    const lagging = workerOf(server, busy);
    const other = workerOf(server, calm);
    assert.notEqual(lagging, other);
    const pid = workerPid(server, lagging ?? -1);
    assert.ok(pid);
    const starving = starve(pid);
    try {
      await waitFor("the primary to know one worker is overloaded", async () => {
        return (await metric(server.metricsUrl, "conclave_workers_overloaded")) === 1;
      });
      const refused = await SignallingClient.connect(server.url);
      clients.push(refused);
      refused.send(busy.joinMessage());
      assert.equal((await refused.next("error", { timeoutMs: 20_000 })).code, "SERVER_BUSY");
      clients.push(await SignallingClient.joined(server.url, calm));
      clients.push(await SignallingClient.joined(server.url, fresh));
      assert.equal(workerOf(server, fresh), other, "the new meeting went to the worker keeping up");
    } finally {
      starving.stop();
    }
    await waitFor("the overload to pass", async () => {
      return (await metric(server.metricsUrl, "conclave_workers_overloaded")) === 0;
    });
    clients.push(await SignallingClient.joined(server.url, busy));
  });
});
