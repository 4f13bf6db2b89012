import { randomBytes } from "node:crypto";
import { once } from "node:events";
import {
  deriveRoomId,
  PROTOCOL_VERSION,
  parseServerMessage,
  type ServerMessage,
  toBase64url,
} from "@conclave/protocol";
import { WebSocket } from "ws";

/** A raw signalling connection for tests: sends anything, waits for what comes back. */
export class SignallingClient {
  readonly received: ServerMessage[] = [];
  /** Every frame as it came over the wire, before this client parsed it. */
  readonly raw: string[] = [];
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      this.raw.push(data.toString());
      this.received.push(parseServerMessage(data.toString()));
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Connects; `forwardedFor` is the X-Forwarded-For header a reverse proxy would add. */
  static async connect(
    serverUrl: string,
    { forwardedFor }: { forwardedFor?: string } = {},
  ): Promise<SignallingClient> {
    const headers = forwardedFor === undefined ? {} : { "X-Forwarded-For": forwardedFor };
    const ws = new WebSocket(`${serverUrl.replace(/^http/, "ws")}/ws`, { headers });
    const client = new SignallingClient(ws);
    await once(ws, "open");
    return client;
  }

  /** Connects and joins `room`; resolves once the server has welcomed it. */
  static async joined(serverUrl: string, room: TestRoom): Promise<SignallingClient> {
    const client = await SignallingClient.connect(serverUrl);
    client.send(room.joinMessage());
    await client.next("welcome");
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Waits for the first message after index `from` that matches, or fails at the deadline. */
  async next<T extends ServerMessage["type"]>(
    type: T,
    { from = 0, timeoutMs = 5000 }: { from?: number; timeoutMs?: number } = {},
  ): Promise<Extract<ServerMessage, { type: T }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find((m) => m.type === type);
      if (found) return found as Extract<ServerMessage, { type: T }>;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no ${type} within ${timeoutMs} ms; got ${this.received.map((m) => m.type).join(", ")}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.ws.close();
  }
}

export interface TestRoom {
  readonly secret: string;
  readonly roomId: string;
  readonly serverKey: string;
  joinMessage(): Record<string, unknown>;
}

export async function newRoom(): Promise<TestRoom> {
  const secret = toBase64url(randomBytes(32));
  const link = await deriveRoomId(secret);
  if (!link) throw new Error("room derivation failed");
  return {
    secret,
    ...link,
    joinMessage: () => ({
      type: "join",
      protocol: PROTOCOL_VERSION,
      roomId: link.roomId,
      serverKey: link.serverKey,
    }),
  };
}

/** Reads one gauge or counter from the server's /metrics (on its metrics listener). */
export async function metric(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`metric ${name} not found`);
  return Number(line.split(" ")[1]);
}
