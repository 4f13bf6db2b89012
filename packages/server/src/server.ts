import { Sfu } from "@conclave/sfu";
import type { WebSocket } from "ws";
import type { AttackName } from "./attacks/names.ts";
import { Capacity } from "./capacity.ts";
import { Capture } from "./capture.ts";
import type { Config } from "./config.ts";
import { connectCoordination } from "./coordination/coordination.ts";
import { EventLoopLoad } from "./event-loop-load.ts";
import { HONEST, type Interception } from "./interception.ts";
import { JoinGate } from "./join-gate.ts";
import { openListeners } from "./listeners.ts";
import type { Logger } from "./logger.ts";
import { isWildcard, machineName } from "./machine-addresses.ts";
import { Meetings } from "./meetings.ts";
import { Metrics } from "./metrics.ts";
import { joinBudgets } from "./rate-limit.ts";
import { Session, type SessionContext, type SessionSocket } from "./session.ts";

export interface RunningServer {
  readonly port: number;
  /** The metrics listener's port (METRICS_ADDRESS), or null when it is off. */
  readonly metricsPort: number | null;
  /** With HTTPS=self-signed: the certificate's SHA-256 fingerprint, for people to compare. */
  readonly selfSignedFingerprint: string | null;
  /** Stops taking joins, waits for rooms to empty (up to the drain timeout), then closes all. */
  drain(): Promise<void>;
}

/**
 * The interception the configuration asks for (interception.ts): HONEST unless ATTACKS names
 * some, which config.ts accepts only with HOSTILE_SERVER_TEST=1. Attack code is loaded only then,
 * so a production server never imports it.
 */
async function interceptionFor(attacks: readonly AttackName[], log: Logger): Promise<Interception> {
  if (attacks.length === 0) return HONEST;
  const { HostileServer } = await import("./attacks/hostile-server.ts");
  const hostile = await HostileServer.load(attacks, log);
  return {
    inbound: (from, message) => hostile.inbound(from, message),
    outbound: (to, message) => hostile.outbound(to, message),
    packet: (room, publisher, kind, packet) => hostile.packet(room, publisher, kind, packet),
  };
}

/**
 * Everything that runs meetings in one process: the SFU, the meetings with their Delivery
 * Services, the join gate, the event-loop watch and the metrics. One server process has one; so
 * does each worker of a cluster (cluster/worker-main.ts), on its own slice of media ports.
 */
export interface MeetingRuntime {
  readonly capacity: Capacity;
  readonly meetings: Meetings;
  readonly metrics: Metrics;
  readonly load: EventLoopLoad;
  /**
   * Makes the session that reads one client's socket, from the client `address`; `joinHandled`
   * hears the outcome of each of its joins (session.ts).
   */
  session(
    socket: SessionSocket,
    address: string,
    joinHandled?: SessionContext["joinHandled"],
    /** Not passed on by another node: its join may be forwarded to the meeting's node. */
    forwardable?: boolean,
  ): Session;
  /** With Redis: says this node is alive and reached at `url` (coordination/coordination.ts). */
  announce(url: string): void;
  /**
   * Out of service: with Redis, says so in the node registry and hands every meeting to the node
   * its members reach next (meetings.ts `handOffAll`); on one machine, waits up to the drain
   * timeout for rooms to empty. Joins are refused from the start.
   */
  drain(): Promise<void>;
  /** Closes every meeting and the SFU. */
  close(): Promise<void>;
}

export async function openMeetingRuntime(config: Config, log: Logger): Promise<MeetingRuntime> {
  const capture = config.captureFile ? new Capture(config.captureFile) : null;
  if (capture) log.warn("CAPTURE_FILE is set: recording everything received, for tests only");
  const interception = await interceptionFor(config.attacks, log);
  const sfu = new Sfu({
    announcedAddresses: config.announcedAddresses,
    portRange: config.rtcPortRange ?? undefined,
    iceTcp: config.iceTcp,
    keyframeIntervalMs: config.keyframeIntervalMs,
    interceptPacket: capture ? capture.packets(interception.packet) : interception.packet,
  });
  const capacity = new Capacity(config.caps);
  const signallingLog = log.child({ subsystem: "signalling" });
  const coordination = config.redis && (await connectCoordination(config.redis, log));
  const meetings = new Meetings(
    sfu,
    capacity,
    {
      reconnectWindowMs: config.reconnectWindowMs,
      mlsJoinGraceMs: config.mlsJoinGraceMs,
      heldBytes: capacity.heldBytes,
      turn: config.turn,
      log: signallingLog,
    },
    coordination,
  );
  const load = new EventLoopLoad(config.maxEventLoopDelayMs);
  const metrics = new Metrics(sfu, capacity, load);
  let draining = false;
  const emptied = async () => {
    const deadline = Date.now() + config.drainTimeoutMs;
    while (meetings.participantCount > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const gate = new JoinGate({
    meetings,
    budgets: joinBudgets(config.budgets),
    maxParticipants: config.maxParticipants,
    isDraining: () => draining,
    isOverloaded: () => load.overloaded,
  });
  const context: SessionContext = { gate, interception, metrics, log: signallingLog, capture };
  return {
    capacity,
    meetings,
    metrics,
    load,
    session: (socket, address, joinHandled, forwardable = false) =>
      new Session(
        socket,
        address,
        joinHandled ? { ...context, joinHandled } : context,
        coordination !== null && forwardable,
      ),
    announce(url) {
      coordination?.announce(url, () => meetings.participantCount);
    },
    async drain() {
      draining = true;
      if (!coordination) return emptied();
      await coordination.drain().catch((err: unknown) => {
        log.warn({ err: String(err) }, "could not say in Redis that this node is draining");
      });
      await meetings.handOffAll(coordination.leaseTtlMs);
    },
    async close() {
      load.close();
      meetings.closeAll();
      sfu.close();
      await coordination?.close();
      await capture?.close();
    },
  };
}

/**
 * Where other nodes reach this one's WebSocket to forward connections (NODE_URL), by default its
 * own address and port: the machine's name when it listens on every address.
 */
export function nodeUrl(config: Config, port: number): string {
  if (config.redis?.nodeUrl) return config.redis.nodeUrl;
  const host = (isWildcard(config.host) ? machineName() : null) ?? config.host;
  return `${config.tls ? "wss" : "ws"}://${host.includes(":") ? `[${host}]` : host}:${port}/ws`;
}

/** Composes HTTP, signalling and the media plane in one process, and metrics on their own port. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const runtime = await openMeetingRuntime(config, log);
  const listeners = await openListeners(config, log, {
    metrics: runtime.metrics,
    capacity: runtime.capacity,
    refused: (code) => runtime.metrics.signallingErrors.inc({ code }),
    onConnection: (ws: WebSocket, address, forwarded) =>
      runtime.session(ws, address, undefined, !forwarded),
  });
  if (config.redis) runtime.announce(nodeUrl(config, listeners.port));
  return {
    port: listeners.port,
    metricsPort: listeners.metricsPort,
    selfSignedFingerprint: listeners.selfSignedFingerprint,
    async drain() {
      // With Redis a balancer sends whoever reconnects to another node, which takes the meetings.
      if (config.redis) listeners.stopAccepting();
      await runtime.drain();
      // Meetings first, so their members hear why (SHUTTING_DOWN), then every other socket.
      await runtime.close();
      await listeners.close();
    },
  };
}
