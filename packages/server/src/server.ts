import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { Sfu } from "@conclave/sfu";
import { WebSocketServer } from "ws";
import { HostileServer } from "./attacks/hostile-server.ts";
import { Capture } from "./capture.ts";
import type { Config } from "./config.ts";
import { createRequestHandler } from "./http.ts";
import type { Logger } from "./logger.ts";
import { Meetings } from "./meeting.ts";
import { Metrics } from "./metrics.ts";
import { AddressLimiter } from "./rate-limit.ts";
import { Session } from "./session.ts";

/** Frames above this close the socket (1009); frames above MAX_MESSAGE_BYTES get TOO_LARGE. */
const HARD_FRAME_LIMIT = 1024 * 1024;
const HEARTBEAT_MS = 2000;

export interface RunningServer {
  readonly port: number;
  /** Stops taking joins, waits for rooms to empty (up to the drain timeout), then closes all. */
  drain(): Promise<void>;
}

/** Composes HTTP, signalling and the media plane on one port. */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  const capture = config.captureFile ? new Capture(config.captureFile) : null;
  if (capture) log.warn("CAPTURE_FILE is set: recording everything received, for tests only");
  const attacks = config.attacks.length > 0 ? await HostileServer.load(config.attacks, log) : null;
  const sfu = new Sfu({
    announcedAddresses: config.announcedAddresses,
    portRange: config.rtcPortRange ?? undefined,
    keyframeIntervalMs: config.keyframeIntervalMs,
    packetTap: capture ? (_publisher, _kind, packet) => capture.rtp(packet) : undefined,
    packetRewrite: attacks
      ? (room, publisher, kind, packet) => attacks.packet(room, publisher, kind, packet)
      : undefined,
  });
  const meetings = new Meetings();
  const metrics = new Metrics(sfu);
  let draining = false;

  const handler = createRequestHandler(config.webRoot, metrics, config.tls !== null);
  const onRequest: Parameters<typeof createHttpServer>[1] = (req, res) => {
    handler(req, res).catch((err: unknown) => {
      log.error({ err }, "request failed");
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
  const http: Server = config.tls
    ? createHttpsServer(
        { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) },
        onRequest,
      )
    : createHttpServer(onRequest);

  const wss = new WebSocketServer({ server: http, path: "/ws", maxPayload: HARD_FRAME_LIMIT });
  const alive = new WeakSet<object>();
  const signallingLog = log.child({ subsystem: "signalling" });
  const joinLimiter = new AddressLimiter(config.joinsPerMinute, config.joinsPerMinute / 60);
  const knockLimiter = new AddressLimiter(config.knocksPerMinute, config.knocksPerMinute / 60);
  wss.on("connection", (ws, req) => {
    alive.add(ws);
    ws.on("pong", () => alive.add(ws));
    ws.on("error", () => ws.terminate());
    new Session(ws, req.socket.remoteAddress ?? "unknown", {
      sfu,
      joinLimiter,
      knockLimiter,
      meetings,
      metrics,
      log: signallingLog,
      maxParticipants: config.maxParticipants,
      mlsJoinGraceMs: config.mlsJoinGraceMs,
      reconnectWindowMs: config.reconnectWindowMs,
      capture,
      attacks,
      isDraining: () => draining,
    });
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

  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(config.port, config.host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;

  return {
    port,
    async drain() {
      draining = true;
      const deadline = Date.now() + config.drainTimeoutMs;
      while (meetings.participantCount > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      clearInterval(heartbeat);
      for (const ws of wss.clients) ws.close(1001, "server shutting down");
      sfu.close();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await capture?.close();
    },
  };
}
