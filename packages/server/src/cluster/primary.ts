import { Capacity } from "../capacity.ts";
import { Capture } from "../capture.ts";
import type { Config } from "../config.ts";
import { FrontGate, type JoinMessage } from "../join-gate.ts";
import { openListeners } from "../listeners.ts";
import { NO_MEETING_MESSAGE } from "../lobby.ts";
import type { Logger } from "../logger.ts";
import { roomTag } from "../logger.ts";
import { joinBudgets } from "../rate-limit.ts";
import { Refusal } from "../refusal.ts";
import { nodeUrl, type RunningServer } from "../server.ts";
import { ClusterMetrics } from "./cluster-metrics.ts";
import { FrontConnection, type Router } from "./front-connection.ts";
import { Placement } from "./placement.ts";
import type { FromWorker } from "./worker-messages.ts";
import { Workers } from "./workers.ts";

const WORKERS_START_MS = 60_000;

/**
 * A cluster's primary (docs/architecture.md "Every core of one machine"): it serves the app and
 * holds every client's WebSocket; each meeting lives in one worker (worker-main.ts), and the
 * primary relays the frames of its connections to that worker over IPC. The front half of the
 * join gate (version, draining, server key, budgets, the rooms cap, connection caps) runs here,
 * once for the whole machine; the rest (held places, resume, knocks, the overload refusal, room
 * size) in the meeting's worker.
 */
export async function startPrimary(config: Config, log: Logger): Promise<RunningServer> {
  const capacity = new Capacity(config.caps);
  let draining = false;
  const front = new FrontGate({ budgets: joinBudgets(config.budgets), isDraining: () => draining });
  const placement = new Placement();
  const connections = new Map<number, FrontConnection>();
  let nextConnection = 0;
  /** With Redis: where other nodes reach this machine, once listening. */
  let url: string | null = null;

  const give = (opener: string | null) => {
    if (opener !== null) capacity.rooms.give(opener);
  };
  /** A worker may act only on connections the primary routed to it. */
  const own = (worker: number, id: number) => {
    const connection = connections.get(id);
    return connection?.worker === worker ? connection : undefined;
  };

  const onWorker = (worker: number, message: FromWorker) => {
    switch (message.type) {
      case "send":
        return own(worker, message.connection)?.write(message.text);
      case "close":
        return own(worker, message.connection)?.close(message.code, message.reason);
      case "terminate":
        return own(worker, message.connection)?.terminate();
      case "placed": {
        if (placement.workerOf(message.room) !== worker) return;
        const connection = own(worker, message.connection);
        give(placement.placed(message.room, message.open, message.seated && !!connection));
        connection?.placed(worker, message.seated);
        return;
      }
      case "ready":
        if (url !== null) workers.get(worker)?.send({ type: "node-url", url });
        return;
      case "meeting-closed":
        if (placement.workerOf(message.room) === worker) give(placement.closed(message.room));
        return;
      default:
        return; // ready, load, metrics: the worker's handle keeps them (workers.ts)
    }
  };
  const metrics = new ClusterMetrics(
    capacity,
    () => Promise.all(workers.all.map((w) => w.metrics())),
    () => workers.all.filter((w) => w.ready && w.overloaded).length,
  );
  const workers = new Workers(config, log, {
    message: onWorker,
    lost(index) {
      metrics.workerRestarts.inc();
      for (const opener of placement.lost(index)) capacity.rooms.give(opener);
      for (const connection of [...connections.values()]) {
        if (connection.worker === index) connection.lost();
      }
    },
  });

  // Test-only: the frames read here, before a worker (which records the rest) has the connection.
  const capture = config.captureFile ? new Capture(config.captureFile) : null;
  const router: Router = {
    log,
    capture: capture && ((text) => capture.signalling(text)),
    refused: (code) => metrics.signallingErrors.inc({ code }),
    route: (join, address, stillHere) => route(join, address, stillHere),
    place(worker, connection, room, join) {
      placement.joinSent(room);
      const to = workers.get(worker);
      to?.send({
        type: "connect",
        connection: connection.id,
        address: connection.address,
        forwardable: connection.forwardable,
      });
      to?.send({ type: "frame", connection: connection.id, text: join });
    },
    relay(worker, connection, text) {
      workers.get(worker)?.send({ type: "frame", connection: connection.id, text });
    },
    ended(connection, worker, room, seated) {
      if (seated) placement.left(room);
      workers.get(worker)?.send({ type: "disconnect", connection: connection.id });
    },
  };

  /** Where a join goes: its meeting's worker, or the least loaded one for a meeting it opens. */
  async function route(
    join: JoinMessage,
    address: string,
    stillHere: () => boolean,
  ): Promise<number | null> {
    front.arrive(join);
    const knock = join.knock !== undefined && !join.resume;
    if (knock) front.takeKnock(address);
    else {
      if (join.serverKey) await front.checkServerKey(join, join.serverKey, address);
      if (!stillHere()) return null;
      front.takeJoin(address);
    }
    const existing = placement.workerOf(join.roomId);
    if (existing !== null) return existing;
    if (join.knock) throw new Refusal("NO_MEETING", NO_MEETING_MESSAGE);
    const worker = placement.pick(workers.all);
    if (worker === null) {
      throw new Refusal("SERVER_BUSY", "the server is starting; try again in a moment");
    }
    capacity.openRoom(address);
    placement.open(join.roomId, worker, address);
    log.info({ room: roomTag(join.roomId), worker }, "meeting placed");
    return worker;
  }

  const listeners = await openListeners(config, log, {
    metrics,
    capacity,
    refused: (code) => metrics.signallingErrors.inc({ code }),
    onConnection(ws, address, forwarded) {
      const connection = new FrontConnection(nextConnection++, ws, address, router, !forwarded);
      connections.set(connection.id, connection);
      ws.on("close", () => connections.delete(connection.id));
    },
  }).catch(async (error: unknown) => {
    // A busy port or a bad certificate: the workers already started must not outlive this
    // process (they would hold their media ports with nobody in front of them).
    await workers.drain(0);
    throw error;
  });
  if (!(await workers.ready(WORKERS_START_MS))) log.warn("not every worker started in time");
  // With Redis each worker announces this machine's address as its own (for forwarding).
  url = config.redis ? nodeUrl(config, listeners.port) : null;
  for (const worker of workers.all) if (worker.ready && url) worker.send({ type: "node-url", url });
  return {
    port: listeners.port,
    metricsPort: listeners.metricsPort,
    selfSignedFingerprint: listeners.selfSignedFingerprint,
    /**
     * As one process drains (server.ts): joins refused; with Redis the meetings handed off at
     * once, else rooms given time to empty; sockets closed.
     */
    async drain() {
      draining = true;
      if (config.redis) {
        // The workers hand their meetings to other nodes (server.ts `drain`), telling each
        // member through this process; a balancer sends those who reconnect elsewhere.
        listeners.stopAccepting();
        await workers.drain(config.redis.leaseTtlMs + 5000);
        await listeners.close();
        await capture?.close();
        return;
      }
      const deadline = Date.now() + config.drainTimeoutMs;
      const inMeetings = () => [...connections.values()].some((c) => c.worker !== null);
      while (inMeetings() && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      await listeners.close();
      // Their connections are gone: the workers close their meetings and exit.
      await workers.drain(config.drainTimeoutMs + 5000);
      await capture?.close();
    },
  };
}
