import { WebSocket } from "ws";
import { FORWARDED_HEADER } from "./client-address.ts";
import { HARD_FRAME_LIMIT } from "./listeners.ts";

/**
 * A client's connection passed on to the node that owns its meeting (docs/architecture.md "Many
 * machines"), when several machines share Redis and the client reached another node: a WebSocket
 * from this node to the owner's `/ws`, carrying the client's frames there and the owner's back, as
 * they are. The owner validates them as it does any client's, and counts them under the client's
 * address, which it believes only when this node is one of its TRUSTED_PROXIES (X-Forwarded-For,
 * docs/operations.md "Behind a reverse proxy"). The owner never forwards such a connection again
 * (`x-conclave-forwarded`), so a lease that moves meanwhile cannot make a loop.
 */
export interface ForwardedConnection {
  /** A frame from the client, as it came. */
  send(text: string): void;
  /** The client went away. */
  close(): void;
}

const CONNECT_TIMEOUT_MS = 3000;

/** The address to name in X-Forwarded-For for an address key (client-address.ts): an IP. */
function forwardedFor(addressKey: string): string {
  return addressKey.endsWith("::/64") ? addressKey.slice(0, -3) : addressKey;
}

/**
 * Opens the connection to `url` and sends `join` first; null when the owner cannot be reached
 * (it died meanwhile: the caller waits for its lease instead).
 */
export function forwardConnection(
  url: string,
  client: string,
  join: string,
  to: {
    /** A frame from the owner, for the client. */
    message(text: string): void;
    /** The owner closed the connection: with `code`, or 1006 when it was lost. */
    closed(code: number, reason: string): void;
  },
): Promise<ForwardedConnection | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, {
      headers: { "x-forwarded-for": forwardedFor(client), [FORWARDED_HEADER]: "1" },
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      maxPayload: HARD_FRAME_LIMIT,
    });
    let open = false;
    ws.on("error", () => {
      if (!open) resolve(null);
    });
    ws.on("open", () => {
      open = true;
      ws.send(join);
      resolve({
        send: (text) => {
          if (ws.readyState === ws.OPEN) ws.send(text);
        },
        close: () => ws.terminate(),
      });
    });
    ws.on("message", (data, isBinary) => {
      if (!isBinary) to.message(data.toString());
    });
    ws.on("close", (code, reason) => {
      if (open) to.closed(code, reason.toString());
    });
  });
}
