import type { Socket } from "node:net";

/**
 * Ties a relayed connection's two sockets (client and upstream): each is kept in `open` while it
 * lives, and when either fails or closes the other goes too. For the tests' TCP relays
 * (network-cut.ts, balancer.ts); the bytes are piped by the caller.
 */
export function tieSockets(open: Set<Socket>, client: Socket, upstream: Socket): void {
  for (const [a, b] of [
    [client, upstream],
    [upstream, client],
  ] as const) {
    open.add(a);
    a.on("error", () => b.destroy());
    a.on("close", () => {
      open.delete(a);
      b.destroy();
    });
  }
}
