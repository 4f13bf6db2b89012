/**
 * A cluster worker (docs/architecture.md "Every core of one machine"): a child process of the
 * primary (primary.ts) that runs meetings, their Delivery Services and an SFU on its own slice of
 * the media ports, for the client connections the primary relays to it over IPC. Started by the
 * primary only, with CONCLAVE_WORKER set to its index and RTC_MIN_PORT/RTC_MAX_PORT to its slice.
 */
import type { RoomId } from "@conclave/protocol";
import { readConfig } from "../config.ts";
import { createLogger } from "../logger.ts";
import { openMeetingRuntime } from "../server.ts";
import type { Session } from "../session.ts";
import { RelayedSocket } from "./relayed-socket.ts";
import { type FromWorker, metricsSchema, parseToWorker, type ToWorker } from "./worker-messages.ts";

const LOAD_REPORT_MS = 1000;

async function main(): Promise<void> {
  const index = Number(process.env.CONCLAVE_WORKER);
  const config = readConfig();
  const log = createLogger(config.logLevel).child({ worker: index });
  const post = (message: FromWorker) => {
    if (process.connected) process.send?.(message);
  };
  const runtime = await openMeetingRuntime(config, log);
  runtime.meetings.onClosed = (room) => post({ type: "meeting-closed", room });
  const sockets = new Map<number, { socket: RelayedSocket; session: Session }>();
  let announced = false;

  const report = setInterval(() => {
    post({ type: "load", overloaded: runtime.load.overloaded });
  }, LOAD_REPORT_MS);

  /** Resolves once everything posted so far is written to the primary (IPC keeps the order). */
  const flushed = () =>
    new Promise<void>((resolve) => {
      if (!process.connected || !process.send) return resolve();
      process.send({ type: "load", overloaded: runtime.load.overloaded }, () => resolve());
    });

  const drain = async () => {
    clearInterval(report);
    await runtime.drain();
    await runtime.close();
    // The closes that tell members why (SHUTTING_DOWN) must reach the primary before this exits.
    await flushed();
    process.exit(0);
  };

  const handle = async (message: ToWorker): Promise<void> => {
    switch (message.type) {
      case "connect": {
        const { connection, address, forwardable } = message;
        sockets.get(connection)?.socket.closed();
        const socket = new RelayedSocket(connection, post);
        const placed = (room: RoomId, seated: boolean) => {
          const open = runtime.meetings.get(room) !== undefined;
          post({ type: "placed", connection, room, open, seated });
        };
        const session = runtime.session(socket, address, placed, forwardable === true);
        sockets.set(connection, { socket, session });
        socket.on("close", () => sockets.delete(connection));
        return;
      }
      case "frame":
        sockets.get(message.connection)?.socket.receive(message.text);
        return;
      case "disconnect":
        sockets.get(message.connection)?.socket.closed();
        return;
      case "node-url":
        if (!announced) runtime.announce(message.url);
        announced = true;
        return;
      case "metrics":
        post({
          type: "metrics",
          request: message.request,
          metrics: metricsSchema.parse(await runtime.metrics.registry.getMetricsAsJSON()),
        });
        return;
      case "drain":
        await drain();
        return;
    }
  };

  let refused = 0;
  process.on("message", (raw) => {
    const message = parseToWorker(raw);
    if (!message) {
      refused++;
      log.warn({ refused }, "refused a message from the primary that is not a worker message");
      return;
    }
    handle(message).catch((err: unknown) => log.error({ err }, "worker message failed"));
  });
  // The primary is gone: nothing reaches these meetings any more.
  process.on("disconnect", () => process.exit(0));
  log.info({ pid: process.pid, rtcPorts: config.rtcPortRange }, "worker started");
  post({ type: "ready" });
}

main().catch((error: unknown) => {
  console.error("conclave worker: failed to start:", error);
  process.exit(1);
});
