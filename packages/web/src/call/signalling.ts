import {
  type ClientMessage,
  encodeMessage,
  isProtocolError,
  parseServerMessage,
  type ServerMessage,
} from "@conclave/protocol";

export interface SignallingHandlers {
  onMessage(message: ServerMessage): void;
  /** The socket closed; `opened` says whether it ever connected. */
  onClose(info: { opened: boolean; code: number }): void;
}

const OPEN_TIMEOUT_MS = 8000;
/** A `ping` goes out this often; the server answers every message it gets. */
const PING_INTERVAL_MS = 2000;
/** Nothing heard from the server for this long: the connection is dead even if no close came. */
const SILENCE_LIMIT_MS = 6000;
/**
 * After a sign that the network changed, the server must answer a ping within a second plus two
 * of its usual (median) recent round trips, three at most: a socket bound to an address the
 * machine no longer has never answers, while a busy server on a working one answers late.
 */
export function quickCheckMs(recentRoundTrips: readonly number[]): number {
  const sorted = [...recentRoundTrips].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return Math.min(1000 + 2 * median, 3000);
}

/** How many of the last pings' round trips quickCheckMs looks at. */
const ROUND_TRIPS_KEPT = 5;

/** The signalling WebSocket of one connection attempt, at `/ws` on the page's own origin. */
export class Signalling {
  private socket: WebSocket | null = null;
  private opened = false;
  private closedByUs = false;
  private lastHeard = 0;
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  private quickCheck: ReturnType<typeof setTimeout> | undefined;
  /** When each unanswered ping went out; the server answers them in order. */
  private readonly pingsOut: number[] = [];
  private readonly roundTrips: number[] = [];
  /** Messages the server sent that failed validation; shown in diagnostics. */
  invalidMessages = 0;

  constructor(private readonly handlers: SignallingHandlers) {}

  static url(location: Location): string {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/ws`;
  }

  /** Resolves once connected; rejects if the server cannot be reached. */
  open(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let socket: WebSocket;
      try {
        socket = new WebSocket(url);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      this.socket = socket;
      const timer = setTimeout(() => {
        reject(new Error("timed out connecting to the server"));
        socket.close();
      }, OPEN_TIMEOUT_MS);
      socket.addEventListener("open", () => {
        clearTimeout(timer);
        this.opened = true;
        this.lastHeard = Date.now();
        this.heartbeat = setInterval(() => this.beat(), PING_INTERVAL_MS);
        resolve();
      });
      socket.addEventListener("message", (event: MessageEvent<unknown>) =>
        this.receive(event.data),
      );
      socket.addEventListener("close", (event) => {
        clearTimeout(timer);
        clearInterval(this.heartbeat);
        if (!this.opened) reject(new Error("could not connect to the server"));
        if (!this.closedByUs) this.handlers.onClose({ opened: this.opened, code: event.code });
      });
    });
  }

  send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(encodeMessage(message));
  }

  close(): void {
    this.closedByUs = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.quickCheck);
    this.socket?.close(1000);
    this.socket = null;
  }

  /**
   * Gives up on a connection that went silent or lost its network: reported as closed at once,
   * since a dead TCP connection can take minutes to close by itself.
   */
  abandon(): void {
    if (this.closedByUs || !this.opened) return;
    this.close();
    this.handlers.onClose({ opened: true, code: 1006 });
  }

  /**
   * The network may have changed under us (the media connection dropped): ping at once and give
   * up on the socket unless the server answers within quickCheckMs, rather than waiting out
   * the silence limit. A laptop that changed networks is back in the meeting seconds sooner.
   */
  checkAlive(): void {
    if (!this.opened || this.closedByUs || this.quickCheck !== undefined) return;
    const asked = Date.now();
    this.ping();
    this.quickCheck = setTimeout(() => {
      this.quickCheck = undefined;
      if (this.lastHeard < asked) this.abandon();
    }, quickCheckMs(this.roundTrips));
  }

  private beat(): void {
    if (Date.now() - this.lastHeard > SILENCE_LIMIT_MS) this.abandon();
    else this.ping();
  }

  private ping(): void {
    this.pingsOut.push(Date.now());
    this.send({ type: "ping" });
  }

  private receive(data: unknown): void {
    this.lastHeard = Date.now();
    if (typeof data !== "string") {
      this.invalidMessages++;
      return;
    }
    let message: ServerMessage;
    try {
      message = parseServerMessage(data);
    } catch (error) {
      // Validate at the edge; a malformed message changes nothing.
      this.invalidMessages++;
      console.warn("ignored invalid server message", isProtocolError(error) ? error.code : error);
      return;
    }
    if (message.type === "pong") this.pongArrived();
    this.handlers.onMessage(message);
  }

  private pongArrived(): void {
    const sent = this.pingsOut.shift();
    if (sent === undefined) return;
    this.roundTrips.push(Date.now() - sent);
    if (this.roundTrips.length > ROUND_TRIPS_KEPT) this.roundTrips.shift();
  }
}
