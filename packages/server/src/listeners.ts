import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { encodeMessage, MAX_MESSAGE_BYTES } from "@conclave/protocol";
import { type WebSocket, WebSocketServer } from "ws";
import type { Capacity } from "./capacity.ts";
import { addressKey, ClientAddresses, FORWARDED_HEADER } from "./client-address.ts";
import type { Config } from "./config.ts";
import { HEARTBEAT_MS, Heartbeat } from "./heartbeat.ts";
import { createMetricsHandler, createRequestHandler, type MetricsText } from "./http.ts";
import { listen } from "./listen.ts";
import type { Logger } from "./logger.ts";
import { isWildcard, machineName, servedAddresses } from "./machine-addresses.ts";
import type { Refusal } from "./refusal.ts";
import { namesFor, selfSignedCertificate } from "./self-signed-certificate.ts";

/**
 * Frames above this close the socket (1009) before they are read whole; smaller ones above
 * MAX_MESSAGE_BYTES get TOO_LARGE and the connection stays (docs/protocol.md "Errors").
 */
export const HARD_FRAME_LIMIT = 4 * MAX_MESSAGE_BYTES;

/** The public listener (app, WebSocket) and the metrics listener, once listening. */
export interface Listeners {
  readonly port: number;
  readonly metricsPort: number | null;
  readonly selfSignedFingerprint: string | null;
  /**
   * Takes no new connection on the public port from now on (a drain hands its meetings to other
   * nodes: a balancer sends whoever reconnects to one of them); open connections go on.
   */
  stopAccepting(): void;
  /** Closes every WebSocket with 1001, then both listeners. */
  close(): Promise<void>;
}

export interface ListenerOptions {
  readonly metrics: MetricsText;
  readonly capacity: Capacity;
  /** Counts a refused connection by its code. */
  readonly refused: (code: Refusal["code"]) => void;
  /**
   * A WebSocket within the connection caps, from the client `address` (client-address.ts);
   * `forwarded`: passed on by another node (forwarded-connection.ts), never to be passed on again.
   */
  readonly onConnection: (ws: WebSocket, address: string, forwarded: boolean) => void;
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

/**
 * The process that faces clients: HTTP(S) with the app on one port, WebSocket signalling on its
 * `/ws`, each connection checked against the connection caps and kept alive by pings, and
 * /metrics on its own listener. Whoever composes it (server.ts in one process, cluster/primary.ts
 * in front of workers) decides what a connection is handed to.
 */
export async function openListeners(
  config: Config,
  log: Logger,
  options: ListenerOptions,
): Promise<Listeners> {
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
      metrics: options.metrics,
      token: config.metrics.token,
    }),
  );
  const tls = await tlsCredentials(config, log);
  const http: Server = tls ? createHttpsServer(tls, onRequest) : createHttpServer(onRequest);
  const metricsHttp = config.metrics.address
    ? createHttpServer(guard(createMetricsHandler(options.metrics)))
    : null;

  const wss = new WebSocketServer({ server: http, path: "/ws", maxPayload: HARD_FRAME_LIMIT });
  // ws repeats the listener's errors; listen() (listen.ts) reports them, with what to change.
  wss.on("error", () => {});
  const heartbeat = new Heartbeat<WebSocket>(performance.now());
  const addresses = new ClientAddresses(config.trustedProxies);
  wss.on("connection", (ws, req) => {
    ws.on("error", () => ws.terminate());
    const address = addressKey(
      addresses.of(req.socket.remoteAddress, req.headers["x-forwarded-for"]),
    );
    try {
      options.capacity.openConnection(address);
    } catch (error) {
      refuseConnection(ws, error as Refusal);
      options.refused((error as Refusal).code);
      return;
    }
    ws.on("close", () => options.capacity.connections.give(address));
    heartbeat.answered(ws);
    ws.on("pong", () => heartbeat.answered(ws));
    options.onConnection(ws, address, req.headers[FORWARDED_HEADER] === "1");
  });
  const beating = setInterval(() => {
    const { ping, gone } = heartbeat.beat(wss.clients, performance.now());
    for (const ws of gone) ws.terminate();
    for (const ws of ping) ws.ping();
  }, HEARTBEAT_MS);

  const port = await listen(http, config.port, config.host, "PORT");
  const { address: metricsAddress } = config.metrics;
  const metricsPort =
    metricsHttp && metricsAddress
      ? await listen(metricsHttp, metricsAddress.port, metricsAddress.host, "METRICS_ADDRESS")
      : null;

  const closed = (server: Server | null) =>
    new Promise<void>((resolve) => (server?.listening ? server.close(() => resolve()) : resolve()));
  let publicClosed: Promise<void> | null = null;
  return {
    port,
    metricsPort,
    selfSignedFingerprint: tls?.selfSignedFingerprint ?? null,
    stopAccepting() {
      publicClosed ??= closed(http);
    },
    async close() {
      clearInterval(beating);
      for (const ws of wss.clients) ws.close(1001, "server shutting down");
      wss.close();
      publicClosed ??= closed(http);
      http.closeAllConnections();
      metricsHttp?.closeAllConnections();
      await Promise.all([publicClosed, closed(metricsHttp)]);
    },
  };
}

/** A connection over a cap: told why, then closed (docs/protocol.md "Caps"). */
function refuseConnection(ws: WebSocket, refusal: Refusal): void {
  ws.send(encodeMessage({ type: "error", code: refusal.code, message: refusal.message }));
  ws.close(4000, refusal.code);
}
