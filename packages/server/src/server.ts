import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { encodeMessage, MAX_MESSAGE_BYTES } from "@conclave/protocol";
import { Sfu } from "@conclave/sfu";
import { type WebSocket, WebSocketServer } from "ws";
import type { AttackName } from "./attacks/names.ts";
import { Capacity } from "./capacity.ts";
import { Capture } from "./capture.ts";
import { addressKey, ClientAddresses } from "./client-address.ts";
import type { Config } from "./config.ts";
import { EventLoopLoad } from "./event-loop-load.ts";
import { createMetricsHandler, createRequestHandler } from "./http.ts";
import { HONEST, type Interception } from "./interception.ts";
import { JoinGate } from "./join-gate.ts";
import { listen } from "./listen.ts";
import type { Logger } from "./logger.ts";
import { isWildcard, machineName, servedAddresses } from "./machine-addresses.ts";
import { Meetings } from "./meetings.ts";
import { Metrics } from "./metrics.ts";
import { joinBudgets } from "./rate-limit.ts";
import type { Refusal } from "./refusal.ts";
import { namesFor, selfSignedCertificate } from "./self-signed-certificate.ts";
import { Session } from "./session.ts";

/**
 * Frames above this close the socket (1009) before they are read whole; smaller ones above
 * MAX_MESSAGE_BYTES get TOO_LARGE and the connection stays (docs/protocol.md "Errors").
 */
const HARD_FRAME_LIMIT = 4 * MAX_MESSAGE_BYTES;
const HEARTBEAT_MS = 2000;

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

/** The certificate and key to serve HTTPS with, read from files or made by the server itself. */
async function tlsCredentials(
  config: Config,
  log: Logger,
): Promise<{ cert: string; key: string; selfSignedFingerprint: string | null } | null> {
  if (config.tls === null) return null;
  if (config.tls.kind === "files") {
    const [cert, key] = await Promise.all([
      readFile(config.tls.certFile, "utf8"),
      readFile(config.tls.keyFile, "utf8"),
    ]);
    return { cert, key, selfSignedFingerprint: null };
  }
  const name = isWildcard(config.host) ? machineName() : null;
  const made = await selfSignedCertificate(
    config.tls.dir,
    namesFor(servedAddresses(config.host), name),
  );
  log.info({ fingerprint: made.fingerprint, renewed: made.renewed }, "self-signed certificate");
  return { cert: made.certPem, key: made.keyPem, selfSignedFingerprint: made.fingerprint };
}

/** Composes HTTP, signalling and the media plane on one port, and metrics on their own. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
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
  const meetings = new Meetings(sfu, capacity, {
    reconnectWindowMs: config.reconnectWindowMs,
    mlsJoinGraceMs: config.mlsJoinGraceMs,
    heldBytes: capacity.heldBytes,
    turn: config.turn,
    log: signallingLog,
  });
  const load = new EventLoopLoad(config.maxEventLoopDelayMs);
  const metrics = new Metrics(sfu, capacity, load);
  let draining = false;
  const gate = new JoinGate({
    meetings,
    budgets: joinBudgets(config.budgets),
    maxParticipants: config.maxParticipants,
    isDraining: () => draining,
    isOverloaded: () => load.overloaded,
  });

  const guard =
    (handler: ReturnType<typeof createMetricsHandler>): Parameters<typeof createHttpServer>[1] =>
    (req, res) => {
      handler(req, res).catch((err: unknown) => {
        log.error({ err }, "request failed");
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    };
  const onRequest = guard(
    createRequestHandler(config.webRoot, config.tls !== null, {
      metrics,
      token: config.metrics.token,
    }),
  );
  const tls = await tlsCredentials(config, log);
  const http: Server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
  const metricsHttp = config.metrics.address
    ? createHttpServer(guard(createMetricsHandler(metrics)))
    : null;

  const wss = new WebSocketServer({ server: http, path: "/ws", maxPayload: HARD_FRAME_LIMIT });
  // ws repeats the listener's errors; listen() (listen.ts) reports them, with what to change.
  wss.on("error", () => {});
  const alive = new WeakSet<object>();
  const addresses = new ClientAddresses(config.trustedProxies);
  const context = { gate, interception, metrics, log: signallingLog, capture };
  wss.on("connection", (ws, req) => {
    ws.on("error", () => ws.terminate());
    const address = addressKey(
      addresses.of(req.socket.remoteAddress, req.headers["x-forwarded-for"]),
    );
    try {
      capacity.openConnection(address);
    } catch (error) {
      refuseConnection(ws, error as Refusal);
      metrics.signallingErrors.inc({ code: (error as Refusal).code });
      return;
    }
    ws.on("close", () => capacity.connections.give(address));
    alive.add(ws);
    ws.on("pong", () => alive.add(ws));
    new Session(ws, address, context);
  });
  // A socket that stops answering pings is gone (laptop closed, network lost): treat it as left.
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, HEARTBEAT_MS);

  const port = await listen(http, config.port, config.host, "PORT");
  const { address: metricsAddress } = config.metrics;
  const metricsPort =
    metricsHttp && metricsAddress
      ? await listen(metricsHttp, metricsAddress.port, metricsAddress.host, "METRICS_ADDRESS")
      : null;

  return {
    port,
    metricsPort,
    selfSignedFingerprint: tls?.selfSignedFingerprint ?? null,
    async drain() {
      draining = true;
      const deadline = Date.now() + config.drainTimeoutMs;
      while (meetings.participantCount > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      clearInterval(heartbeat);
      load.close();
      for (const ws of wss.clients) ws.close(1001, "server shutting down");
      meetings.closeAll();
      sfu.close();
      wss.close();
      http.closeAllConnections();
      metricsHttp?.closeAllConnections();
      await Promise.all(
        [http, metricsHttp].map(
          (server) =>
            new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
        ),
      );
      await capture?.close();
    },
  };
}

/** A connection over a cap: told why, then closed (docs/protocol.md "Caps"). */
function refuseConnection(ws: WebSocket, refusal: Refusal): void {
  ws.send(encodeMessage({ type: "error", code: refusal.code, message: refusal.message }));
  ws.close(4000, refusal.code);
}
