import {
  type ClientMessage,
  encodeMessage,
  parseServerMessage,
  type ServerMessage,
} from "@conclave/protocol";
import { WebSocket } from "ws";
import { BotError } from "./errors.ts";

export interface SignallingHandlers {
  readonly message: (message: ServerMessage) => void;
  readonly close: (code: number, reason: string) => void;
}

/**
 * The bot's signalling WebSocket. Every frame from the server is validated with the protocol's
 * schema before the bot sees it (the server is a trust boundary too); invalid ones are counted and
 * dropped, never acted on.
 */
export interface SignallingOptions {
  readonly timeoutMs?: number;
  /**
   * Without any frame from the server (its pings included) for this long, the connection is
   * taken for dead and dropped, as a vanished network would leave it; 0 never.
   */
  readonly silenceLimitMs?: number;
}

export class SignallingSocket {
  invalidMessages = 0;
  private closed = false;
  private lastHeard = Date.now();
  private readonly watch: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly ws: WebSocket,
    handlers: SignallingHandlers,
    silenceLimitMs: number,
  ) {
    const heard = () => {
      this.lastHeard = Date.now();
    };
    ws.on("ping", heard);
    if (silenceLimitMs > 0) {
      this.watch = setInterval(() => {
        if (Date.now() - this.lastHeard > silenceLimitMs) ws.terminate();
      }, silenceLimitMs / 4);
      this.watch.unref();
    }
    ws.on("message", (data, isBinary) => {
      heard();
      if (isBinary) {
        this.invalidMessages++;
        return;
      }
      let message: ServerMessage;
      try {
        message = parseServerMessage(data.toString());
      } catch {
        this.invalidMessages++;
        return;
      }
      handlers.message(message);
    });
    ws.on("close", (code, reason) => {
      this.closed = true;
      clearInterval(this.watch);
      handlers.close(code, reason.toString());
    });
    // Errors after open are followed by "close"; without a listener they would crash the process.
    ws.on("error", () => {});
  }

  static connect(
    url: string,
    handlers: SignallingHandlers,
    { timeoutMs = 10_000, silenceLimitMs = 0 }: SignallingOptions = {},
  ): Promise<SignallingSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { handshakeTimeout: timeoutMs, maxPayload: 1024 * 1024 });
      const fail = (error: Error) => {
        ws.removeAllListeners();
        ws.on("error", () => {});
        ws.terminate();
        reject(new BotError("CONNECTION_FAILED", `cannot reach ${url}: ${error.message}`));
      };
      ws.once("error", fail);
      ws.once("unexpected-response", (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)));
      ws.once("open", () => {
        ws.off("error", fail);
        resolve(new SignallingSocket(ws, handlers, silenceLimitMs));
      });
    });
  }

  get isOpen(): boolean {
    return !this.closed && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a message if the socket is open; returns whether it was sent. */
  send(message: ClientMessage): boolean {
    if (!this.isOpen) return false;
    this.ws.send(encodeMessage(message));
    return true;
  }

  /** Waits for the server to close after `leave`, closing ourselves after `timeoutMs`. */
  async closeGracefully(timeoutMs = 2000): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.ws.close(1000, "left");
        resolve();
      }, timeoutMs);
      this.ws.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Drops the TCP connection without a closing handshake: what a crash looks like to the server. */
  terminate(): void {
    this.ws.terminate();
  }
}
