import { once } from "node:events";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { tieSockets } from "./socket-pair.ts";

/**
 * A TCP load balancer in front of several server nodes, as a deployment on several machines has
 * one (docs/operations.md "Several machines"): each new connection goes to the first node, in
 * order, that is not marked down and accepts it. `down` stands for the balancer's health check
 * failing (a paused node still accepts TCP connections in its kernel, but never answers).
 */
export interface Balancer {
  readonly port: number;
  /** The node stops passing the health check: its connections are dropped, none go to it. */
  down(port: number): void;
  up(port: number): void;
  close(): Promise<void>;
}

export async function balancer(ports: readonly number[]): Promise<Balancer> {
  const open = new Set<Socket>();
  /** Each relayed connection's upstream socket, by node port. */
  const upstreams = new Map<number, Set<Socket>>();
  const downed = new Set<number>();
  const pipe = (client: Socket, upstream: Socket) => {
    client.pipe(upstream);
    upstream.pipe(client);
    tieSockets(open, client, upstream);
  };
  const reach = (client: Socket, candidates: readonly number[]) => {
    const [port, ...rest] = candidates;
    if (port === undefined || client.destroyed) {
      client.destroy();
      return;
    }
    const upstream = connect(port, "127.0.0.1");
    upstream.once("error", () => reach(client, rest));
    upstream.once("connect", () => {
      upstream.removeAllListeners("error");
      const ofNode = upstreams.get(port) ?? new Set();
      upstreams.set(port, ofNode.add(upstream));
      upstream.on("close", () => ofNode.delete(upstream));
      pipe(client, upstream);
    });
  };
  const server = createServer((client) => {
    client.pause();
    client.on("error", () => client.destroy());
    reach(
      client,
      ports.filter((p) => !downed.has(p)),
    );
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    port: (server.address() as AddressInfo).port,
    down(port) {
      downed.add(port);
      for (const socket of upstreams.get(port) ?? []) socket.destroy();
    },
    up: (port) => downed.delete(port),
    async close() {
      for (const socket of open) socket.destroy();
      server.close();
      await once(server, "close");
    },
  };
}
