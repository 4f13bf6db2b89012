import {
  type ErrorCode,
  encodeMessage,
  parseClientMessage,
  type RoomId,
  type ServerMessage,
} from "@conclave/protocol";
import type { WebSocket } from "ws";
import type { JoinMessage } from "../join-gate.ts";
import type { Logger } from "../logger.ts";
import { TokenBucket } from "../rate-limit.ts";
import { errorReply, Refusal } from "../refusal.ts";

/** What a connection asks of the primary's routing (primary.ts). */
export interface Router {
  /**
   * The front half of the gate for a `join` (join-gate.ts FrontGate, the rooms cap, placement):
   * the worker to send it to, or a Refusal. Null when the connection went away meanwhile.
   */
  route(join: JoinMessage, address: string, stillHere: () => boolean): Promise<number | null>;
  /** Sends the connection, with its `join` for `room`, to `worker`. */
  place(worker: number, connection: FrontConnection, room: RoomId, join: string): void;
  /** Sends one more frame of the connection to its `worker`. */
  relay(worker: number, connection: FrontConnection, text: string | null): void;
  /** The connection's socket closed while routed to `worker`, seated in `room` or not. */
  ended(connection: FrontConnection, worker: number, room: RoomId, seated: boolean): void;
  refused(code: ErrorCode): void;
  /** Test-only (CAPTURE_FILE): records the frames the primary reads itself. */
  readonly capture: ((text: string) => void) | null;
  readonly log: Logger;
}

type State =
  /** Not in a meeting: the primary reads its frames (a join, pings). */
  | { readonly kind: "front" }
  /** Its join went to a worker; frames wait until the worker says whether it was seated. */
  | { readonly kind: "placing"; readonly worker: number; readonly room: RoomId; waiting: Frame[] }
  /** In a meeting (or its lobby) on `worker`: every frame goes there as it is. */
  | { readonly kind: "routed"; readonly worker: number; readonly room: RoomId }
  | { readonly kind: "closed" };

type Frame = string | null;

/**
 * One client WebSocket at a cluster's primary. Until it is in a meeting the primary reads it as a
 * session would (session.ts): within the per-connection rate, text, valid, `ping` answered, a
 * `join` through the front half of the gate and on to the meeting's worker. Once the worker seated
 * it, the primary relays its frames both ways without reading them: the worker's session
 * validates them, and the client what comes back.
 */
export class FrontConnection {
  private state: State = { kind: "front" };
  private queue: Promise<void> = Promise.resolve();
  private readonly bucket = new TokenBucket(60, 30);

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    readonly address: string,
    private readonly router: Router,
    /** Not passed on by another node (with Redis): its worker may forward it (session.ts). */
    readonly forwardable = false,
  ) {
    ws.on("message", (data, isBinary) => {
      const frame: Frame = isBinary ? null : data.toString();
      this.queue = this.queue
        .then(() => this.take(frame))
        .catch((err: unknown) => router.log.error({ err }, "front queue failed"));
    });
    ws.on("close", () => this.end());
  }

  /** The worker it is placed or routed to, if any. */
  get worker(): number | null {
    return this.state.kind === "placing" || this.state.kind === "routed" ? this.state.worker : null;
  }

  /** The worker handled its join: seated, its frames go there from now on; if not, back here. */
  placed(worker: number, seated: boolean): void {
    const state = this.state;
    if (state.kind !== "placing" || state.worker !== worker) return;
    if (seated) {
      this.state = { kind: "routed", worker, room: state.room };
      for (const frame of state.waiting) this.router.relay(worker, this, frame);
      return;
    }
    this.state = { kind: "front" };
    this.router.ended(this, worker, state.room, false);
    for (const frame of state.waiting) this.queue = this.queue.then(() => this.take(frame));
  }

  /** Writes what the worker sent, as it is. */
  write(text: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** Its worker died: the meeting is gone. It is told so and closed, and its client rejoins. */
  lost(): void {
    this.send({
      type: "error",
      code: "SHUTTING_DOWN",
      message: "the meeting's process on the server restarted; joining again",
    });
    this.ws.close(1012, "worker restarted");
    this.end();
  }

  private end(): void {
    const state = this.state;
    this.state = { kind: "closed" };
    if (state.kind === "placing" || state.kind === "routed") {
      this.router.ended(this, state.worker, state.room, state.kind === "routed");
    }
  }

  private async take(frame: Frame): Promise<void> {
    const state = this.state;
    if (state.kind === "routed") return this.router.relay(state.worker, this, frame);
    if (state.kind === "placing") {
      state.waiting.push(frame);
      return;
    }
    if (state.kind === "closed") return;
    if (frame !== null) this.router.capture?.(frame);
    try {
      if (!this.bucket.take()) throw new Refusal("RATE_LIMITED", "too many messages; slow down");
      if (frame === null) throw new Refusal("BAD_MESSAGE", "binary frames are not accepted");
      const message = parseClientMessage(frame);
      if (message.type === "ping") return this.send({ type: "pong" });
      if (message.type !== "join") {
        throw new Refusal("NOT_JOINED", `send join before ${message.type}`);
      }
      const stillHere = () => this.state.kind === "front";
      const worker = await this.router.route(message, this.address, stillHere);
      if (worker === null || !stillHere()) return;
      this.state = { kind: "placing", worker, room: message.roomId, waiting: [] };
      this.router.place(worker, this, message.roomId, frame);
    } catch (error) {
      this.refuse(error);
    }
  }

  private refuse(error: unknown): void {
    const reply = errorReply(error);
    if (!reply) this.router.log.error({ err: error }, "front message failed");
    const { code, message } = reply ?? { code: "INTERNAL", message: "internal error" };
    this.router.refused(code);
    this.send({ type: "error", code, message });
  }

  private send(message: ServerMessage): void {
    this.write(encodeMessage(message));
  }
}
