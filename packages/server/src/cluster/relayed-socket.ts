import { EventEmitter } from "node:events";
import type { SessionSocket } from "../session.ts";
import type { FromWorker } from "./worker-messages.ts";

const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * In a worker, the stand-in for a client's WebSocket that the primary holds: the session
 * (session.ts) reads and writes it as it would the socket. Frames the primary relays come in
 * through `receive`; what the session writes goes back to the primary as `send`, `close` and
 * `terminate` messages. Once closed, by either side, it writes nothing more.
 */
export class RelayedSocket extends EventEmitter implements SessionSocket {
  readonly OPEN = OPEN;
  private state = OPEN;

  constructor(
    private readonly connection: number,
    private readonly post: (message: FromWorker) => void,
  ) {
    super();
  }

  get readyState(): number {
    return this.state;
  }

  /**
   * A frame the client sent (null: a binary frame, which the session refuses); also while closing,
   * as a WebSocket reads what its peer sent before it saw the close (session.ts `release`).
   */
  receive(text: string | null): void {
    if (this.state === CLOSED) return;
    this.emit("message", text ?? Buffer.alloc(0), text === null);
  }

  /** The client's socket closed, at the primary. */
  closed(): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.emit("close");
  }

  send(text: string): void {
    if (this.state === OPEN) this.post({ type: "send", connection: this.connection, text });
  }

  close(code: number, reason: string): void {
    if (this.state !== OPEN) return;
    this.state = CLOSING;
    this.post({ type: "close", connection: this.connection, code, reason: reason.slice(0, 123) });
  }

  terminate(): void {
    if (this.state === CLOSED) return;
    this.post({ type: "terminate", connection: this.connection });
    this.closed();
  }
}
