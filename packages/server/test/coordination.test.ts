/**
 * Coordination of several machines through Redis (DESIGN.md §5), on a real redis-server started
 * here: the meeting lease with its fencing tokens, the meeting's journal written under it, and the
 * node registry. The server's use of them, with several server processes, is in failover.test.ts
 * and forwarding.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ParticipantId, RoomId } from "@conclave/protocol";
import { createClient } from "@redis/client";
import { loadMeeting, MeetingJournal } from "../src/coordination/meeting-journal.ts";
import { MeetingLeases } from "../src/coordination/meeting-lease.ts";
import { NodeRegistry } from "../src/coordination/node-registry.ts";
import type { RedisCommands } from "../src/coordination/redis-commands.ts";
import { type RedisProcess, startRedis } from "./redis-server.ts";
import { newRoom } from "./signalling-client.ts";
import { waitFor } from "./wait-for.ts";

const TTL_MS = 400;

describe("coordination through Redis", () => {
  let redis: RedisProcess;
  const clients: { destroy(): void }[] = [];
  /** One connection per node, as two machines would have. */
  const connect = async (): Promise<RedisCommands> => {
    const client = createClient({ url: redis.url });
    client.on("error", () => {});
    await client.connect();
    clients.push(client);
    return { sendCommand: (args) => client.sendCommand([...args]) };
  };
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const client of clients) client.destroy();
    await redis.stop();
  });

  it("gives a meeting to one of two nodes that take it at once", async () => {
    const room = (await newRoom()).roomId as RoomId;
    const [a, b] = [
      new MeetingLeases(await connect(), "node-a", TTL_MS),
      new MeetingLeases(await connect(), "node-b", TTL_MS),
    ];
    const [fromA, fromB] = await Promise.all([a.acquire(room), b.acquire(room)]);
    assert.equal([fromA, fromB].filter((l) => l.held).length, 1, "exactly one owner");
    const lost = fromA.held ? fromB : fromA;
    assert.equal(lost.held, false);
    if (!lost.held) assert.equal(lost.owner, fromA.held ? "node-a" : "node-b");
  });

  it("refuses a paused owner's writes once another node took the meeting over", async () => {
    const room = (await newRoom()).roomId as RoomId;
    const old = new MeetingLeases(await connect(), "node-old", TTL_MS);
    const next = new MeetingLeases(await connect(), "node-new", TTL_MS);
    const first = await old.acquire(room);
    assert.ok(first.held);
    assert.equal(await old.write(room, first.token, "log", "epoch 1"), true);
    assert.equal(await old.renew(room, first.token), true);
    // The old owner pauses past its lease; the new one takes over with a larger token.
    let taken = await next.acquire(room);
    await waitFor("the lease to expire and pass", async () => {
      taken = await next.acquire(room);
      return taken.held;
    });
    assert.ok(taken.held && taken.token > first.token, "a larger fencing token");
    assert.equal(await old.write(room, first.token, "log", "stale"), false, "stale write refused");
    assert.equal(await old.renew(room, first.token), false, "a lost lease is not renewed");
    assert.equal(await old.release(room, first.token), false, "nor released");
    assert.equal(await next.write(room, taken.token, "log", "epoch 2"), true);
    const probe = await connect();
    assert.equal(await probe.sendCommand(["GET", `conclave:meeting:${room}:log`]), "epoch 2");
    assert.equal(await next.release(room, taken.token), true);
    assert.equal(await next.write(room, taken.token, "log", "after release"), false);
  });

  it("writes a meeting's journal only under the current token, and reads back only what an owner writes", async () => {
    const room = (await newRoom()).roomId as RoomId;
    const redis = await connect();
    const old = new MeetingLeases(redis, "node-old", TTL_MS);
    const first = await old.acquire(room);
    assert.ok(first.held);
    const ada = "AdaAdaAdaAdaAda0" as ParticipantId;
    const relay = (n: number) =>
      JSON.stringify({
        type: "mls-message",
        from: ada,
        message: `AAAA${String(n).padStart(4, "0")}`,
      });
    const journal = new MeetingJournal(redis, room, "node-old", first.token, 60_000);
    const delivery = {
      groupId: "A".repeat(22),
      epoch: 3,
      leaves: [[0, ada]] as const,
      settings: { lobbyMandatory: false, knockingEnabled: true, locked: false },
    };
    const digest = Buffer.alloc(32, 7);
    const seat = {
      kind: "seat",
      id: ada,
      audio: true,
      video: false,
      digest,
      fresh: true,
      redeemed: [],
    } as const;
    // More than a log keeps: the oldest go, and its base counts them.
    const appends = Array.from({ length: 520 }, (_, n) => ({
      kind: "append" as const,
      id: ada,
      text: relay(n),
    }));
    assert.equal(await journal.write({ delivery, link: null }, [seat, ...appends], true), true);
    const stored = await loadMeeting(redis, room);
    assert.deepEqual(stored?.delivery, { ...delivery, leaves: [[0, ada]] });
    const place = stored?.places[0];
    assert.equal(place?.base, 8, "numbered as the client counts: 520 sent, the first 8 let go");
    assert.equal(place?.log.length, 512);
    assert.equal(place?.log[0], relay(8));
    assert.deepEqual(place?.digest, digest);
    assert.equal(place?.video, false);
    const media = { kind: "media", id: ada, audio: false, video: true } as const;
    assert.equal(await journal.write(null, [media]), true);
    const updated = (await loadMeeting(redis, room))?.places[0];
    assert.deepEqual(
      [updated?.audio, updated?.video, updated?.digest, updated?.redeemed],
      [false, true, digest, []],
    );
    // Taken back with its token: a new one, the used one kept, through a change of media too.
    const used = [digest, Buffer.alloc(32, 8)];
    const again = { ...seat, digest: Buffer.alloc(32, 9), fresh: false, redeemed: used };
    assert.equal(await journal.write(null, [again, media]), true);
    const taken = (await loadMeeting(redis, room))?.places[0];
    assert.deepEqual([taken?.digest, taken?.redeemed], [again.digest, used]);
    assert.equal(taken?.log.length, 512, "a place taken back keeps its log");
    // Knocks: id, digest and time only, oldest first; one that ends is gone from the record.
    const kim = "k".repeat(16) as ParticipantId;
    const lou = "l".repeat(16) as ParticipantId;
    const knock = (id: ParticipantId, since: number) =>
      ({ kind: "knock", id, digest: Buffer.alloc(32, since % 256), since }) as const;
    assert.equal(await journal.write(null, [knock(lou, 2000), knock(kim, 1000)]), true);
    assert.deepEqual(
      (await loadMeeting(redis, room))?.knocks.map((k) => [k.id, k.since, k.digest[0]]),
      [
        [kim, 1000, 1000 % 256],
        [lou, 2000, 2000 % 256],
      ],
    );
    assert.equal(await journal.write(null, [{ kind: "unknock", id: kim }]), true);
    assert.deepEqual(
      (await loadMeeting(redis, room))?.knocks.map((k) => k.id),
      [lou],
    );

    // Another node takes over; the old owner's journal is refused, the new one's is not.
    const next = new MeetingLeases(redis, "node-new", TTL_MS);
    let lease = await next.acquire(room);
    await waitFor("the lease to pass", async () => {
      lease = await next.acquire(room);
      return lease.held;
    });
    assert.ok(lease.held);
    const stale = { delivery: { ...delivery, epoch: 4 }, link: null };
    assert.equal(await journal.write(stale, [{ kind: "drop", id: ada }]), false);
    assert.equal(await journal.forget(), false);
    assert.equal((await loadMeeting(redis, room))?.delivery?.epoch, 3, "nothing of it written");

    // What is read back is input: a log holding anything but a Delivery Service message leaves its
    // place out, a state that is not an owner's makes the record unusable.
    const probe = await connect();
    await probe.sendCommand(["RPUSH", `conclave:meeting:${room}:log:${ada}`, '{"type":"pong"}']);
    assert.deepEqual((await loadMeeting(redis, room))?.places, []);
    await probe.sendCommand([
      "SET",
      `conclave:meeting:${room}:state`,
      '{"delivery":1,"link":null}',
    ]);
    await assert.rejects(loadMeeting(redis, room));
    assert.equal(await loadMeeting(redis, (await newRoom()).roomId as RoomId), null);
  });

  it("lists live nodes least loaded first, drops a silent one, ignores entries that are not nodes", async () => {
    const a = new NodeRegistry(await connect(), TTL_MS);
    const b = new NodeRegistry(await connect(), TTL_MS);
    await a.announce({ id: "node-1", address: "10.0.0.1:8080", load: 9 });
    await b.announce({ id: "node-2", address: "10.0.0.2:8080", load: 4 });
    const probe = await connect();
    await probe.sendCommand(["ZADD", "conclave:nodes", String(Date.now() + 60_000), "forged"]);
    await probe.sendCommand(["SET", "conclave:node:forged", '{"id":"forged","address":1}']);
    assert.deepEqual(
      (await a.live()).map((n) => n.id),
      ["node-2", "node-1"],
    );
    // node-1 keeps announcing, node-2 stops.
    await waitFor("node-2 to drop out", async () => {
      await a.announce({ id: "node-1", address: "10.0.0.1:8080", load: 9 });
      return (await a.live()).every((n) => n.id !== "node-2");
    });
    assert.deepEqual(
      (await b.live()).map((n) => n.id),
      ["node-1"],
    );
    await assert.rejects(a.announce({ id: "bad id with spaces", address: "x", load: 0 }));
    await a.announce({ id: "node-1", address: "10.0.0.1:8080", load: 9, draining: true });
    assert.deepEqual(
      (await b.live()).map((n) => [n.id, n.draining]),
      [["node-1", true]],
      "a draining node is listed as draining (no connection is forwarded to it)",
    );
  });
});
