import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { tieSockets } from "./socket-pair.ts";

/** A TCP relay in front of the server whose "network" a test can cut and restore. */
export interface NetworkCut {
  /** The relay's port: give clients a URL with it instead of the server's. */
  readonly port: number;
  /** Drops every relayed connection and refuses new ones, as a lost network would. */
  cut(): void;
  /**
   * Throws away what the server sends, leaving connections open: a network gone quiet, which
   * the server notices only at its heartbeat. restore() ends it.
   */
  silence(): void;
  restore(): void;
  /** What the server sent through the relay so far, as text (WebSocket frame headers and all). */
  heard(): string;
  close(): Promise<void>;
}

export async function networkCut(targetPort: number): Promise<NetworkCut> {
  const open = new Set<Socket>();
  let up = true;
  let quiet = false;
  let heard = "";
  const relay = createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, "127.0.0.1");
    client.pipe(upstream);
    upstream.on("data", (chunk: Buffer) => {
      heard += chunk.toString("latin1");
      if (!quiet) client.write(chunk);
    });
    tieSockets(open, client, upstream);
  });
  relay.listen(0, "127.0.0.1");
  await once(relay, "listening");
  return {
    port: (relay.address() as AddressInfo).port,
    cut() {
      up = false;
      for (const socket of open) socket.destroy();
    },
    silence() {
      quiet = true;
    },
    restore() {
      up = true;
      quiet = false;
    },
    heard: () => heard,
    async close() {
      for (const socket of open) socket.destroy();
      relay.close();
      await once(relay, "close");
    },
  };
}
