import type { MlsClientMessage } from "@conclave/delivery-service";
import {
  type ClientMessage,
  encodeMessage,
  type ParticipantId,
  parseClientMessage,
  type RoomId,
  roomIdFromServerKey,
  type ServerMessage,
} from "@conclave/protocol";
import type { Attendee, CloseCode, Connection } from "./attendee.ts";
import type { Capture } from "./capture.ts";
import { type ForwardedConnection, forwardConnection } from "./forwarded-connection.ts";
import type { InterceptedConnection, Interception } from "./interception.ts";
import type { Admission, JoinGate, JoinMessage } from "./join-gate.ts";
import { type Knock, knockMessage } from "./lobby.ts";
import type { Logger } from "./logger.ts";
import { roomTag } from "./logger.ts";
import { isMediaMessage, signalMedia } from "./media-signalling.ts";
import type { Meeting } from "./meeting.ts";
import { linkDigest } from "./meeting-link.ts";
import { type Forwarding, OwnedElsewhere } from "./meetings.ts";
import type { Metrics } from "./metrics.ts";
import { TokenBucket } from "./rate-limit.ts";
import { errorReply, Refusal } from "./refusal.ts";

export interface SessionContext {
  readonly gate: JoinGate;
  /** What stands between the server and its clients: HONEST in production (interception.ts). */
  readonly interception: Interception;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly capture: Capture | null;
  /**
   * Told after each `join` was handled, whether it seated this connection (in the meeting or its
   * lobby): a cluster's worker reports it to the primary (cluster/worker-main.ts).
   */
  readonly joinHandled?: (room: RoomId, seated: boolean) => void;
}

/**
 * What a session reads and writes: a client's WebSocket, or in a cluster's worker the stand-in
 * for a socket its primary holds (cluster/relayed-socket.ts).
 */
export interface SessionSocket {
  on(
    event: "message",
    listener: (data: { toString(): string }, isBinary: boolean) => void,
  ): unknown;
  on(event: "close", listener: () => void): unknown;
  send(text: string): void;
  close(code: number, reason: string): void;
  terminate(): void;
  readonly readyState: number;
  readonly OPEN: number;
}

/** A message as it arrived (`raw`): checked and parsed, or the reason it was refused. */
type Read = { readonly raw: string | null } & (
  | { readonly message: ClientMessage }
  | { readonly refused: unknown }
);

type Joined = {
  readonly kind: "joined";
  readonly meeting: Meeting;
  readonly attendee: Attendee;
  /** This connection as the interception sees it. */
  readonly intercepted: InterceptedConnection;
};

type State =
  | { readonly kind: "connected" }
  /** Let through the gate; the meeting is seating it. */
  | { readonly kind: "joining"; readonly meeting: Meeting }
  /** A knock: waits for a host, receives nothing of the meeting (docs/protocol.md "Lobby"). */
  | { readonly kind: "lobby"; readonly meeting: Meeting; readonly knock: Knock }
  | Joined
  /** Its meeting runs on another node: frames go there and back as they are. */
  | { readonly kind: "forwarded"; readonly link: ForwardedConnection }
  | { readonly kind: "closed" };

/**
 * One client's WebSocket: it reads messages, hands each to what handles it (the join gate, the
 * lobby, media signalling, the meeting's Delivery Service) and writes replies. Messages are handled
 * one at a time in arrival order; a message that fails validation or is refused gets an `error`
 * reply and changes nothing.
 */
export class Session implements Connection {
  private state: State = { kind: "connected" };
  private queue: Promise<void> = Promise.resolve();
  private readonly bucket = new TokenBucket(60, 30);

  constructor(
    private readonly ws: SessionSocket,
    /** The client's address key (client-address.ts), for the per-address budgets and caps. */
    readonly address: string,
    private readonly ctx: SessionContext,
    /** With Redis: whether a join for a meeting another node runs is passed on to it. */
    private readonly forwardable = false,
  ) {
    ws.on("message", (data, isBinary) => {
      const raw = isBinary ? null : data.toString();
      if (raw !== null) ctx.capture?.signalling(raw);
      const read = this.read(raw);
      // A ping measures the connection, not the queue: answered at once, whatever waits in it.
      if ("message" in read && read.message.type === "ping") {
        if (this.state.kind !== "closed") this.send({ type: "pong" });
        return;
      }
      this.queue = this.queue
        .then(() => this.receive(read))
        .catch((err: unknown) => ctx.log.error({ err }, "message queue failed"));
    });
    ws.on("close", () => this.end("disconnected"));
  }

  send(message: ServerMessage, encoded?: string): void {
    const state = this.state;
    const out =
      state.kind === "joined"
        ? this.ctx.interception.outbound(state.intercepted, message)
        : [message];
    for (const m of out)
      this.resend(m === message && encoded !== undefined ? encoded : encodeMessage(m));
  }

  /** Writes an encoded message as it is: what was kept for it while away, or past interception. */
  resend(raw: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(raw);
  }

  close(code: CloseCode, message: string): void {
    if (this.state.kind === "closed") return;
    this.send({ type: "error", code, message });
    this.state = { kind: "closed" };
    this.ws.close(4000, code);
  }

  release(code: CloseCode, message: string): void {
    if (this.state.kind === "closed") return;
    this.send({ type: "error", code, message });
    this.ws.close(4000, code);
  }

  drop(): void {
    this.end("disconnected");
    this.ws.terminate();
  }

  seated(attendee: Attendee): void {
    const state = this.state;
    if (state.kind !== "joining" && state.kind !== "lobby") return;
    const { meeting } = state;
    const intercepted = {
      room: meeting.id,
      id: attendee.id,
      send: (m: ServerMessage) => this.resend(encodeMessage(m)),
      close: () => this.ws.close(4000, "closed"),
    };
    this.state = { kind: "joined", meeting, attendee, intercepted };
  }

  /** Leaves the meeting or its lobby, if in one. Idempotent. */
  private end(reason: "left" | "disconnected"): void {
    const state = this.state;
    this.state = { kind: "closed" };
    // Only Cancel (`leave`) ends a knock at once; a dropped one waits for its knocker (lobby.ts).
    if (state.kind === "lobby") {
      const { lobby } = state.meeting;
      if (reason === "left") lobby.remove(state.knock, "left");
      else lobby.away(state.knock);
    }
    if (state.kind === "joined") state.meeting.leave(state.attendee, reason);
    if (state.kind === "forwarded") state.link.close();
  }

  /** Checks a message as it arrives: within the rate, text, and valid. */
  private read(raw: string | null): Read {
    try {
      if (!this.bucket.take()) throw new Refusal("RATE_LIMITED", "too many messages; slow down");
      if (raw === null) throw new Refusal("BAD_MESSAGE", "binary frames are not accepted");
      return { raw, message: parseClientMessage(raw) };
    } catch (error) {
      return { raw, refused: error };
    }
  }

  private async receive(read: Read): Promise<void> {
    if (this.state.kind === "closed") return;
    // The owner reads it: what it refuses, it answers.
    if (this.state.kind === "forwarded") {
      if (read.raw !== null) this.state.link.send(read.raw);
      return;
    }
    try {
      if ("refused" in read) throw read.refused;
      const parsed = read.message;
      const state = this.state;
      const message =
        state.kind === "joined"
          ? await this.ctx.interception.inbound(state.intercepted, parsed)
          : parsed;
      if (message) await this.handle(message);
    } catch (error) {
      this.refuse(error);
    }
  }

  private refuse(error: unknown): void {
    const reply = errorReply(error);
    if (!reply) this.ctx.log.error({ err: error }, "message handler failed");
    const { code, message } = reply ?? { code: "INTERNAL", message: "internal error" };
    this.ctx.metrics.signallingErrors.inc({ code });
    this.send({ type: "error", code, message });
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (message.type === "join") return this.join(message);
    if (message.type === "ping") return this.send({ type: "pong" });
    const state = this.state;
    if (state.kind === "lobby") return this.inLobby(state, message);
    if (state.kind !== "joined") {
      throw new Refusal("NOT_JOINED", `send join before ${message.type}`);
    }
    if (isMediaMessage(message)) {
      const reply = await signalMedia(state.meeting, state.attendee, message, this.ctx.metrics);
      if (reply) this.send(reply);
      return;
    }
    switch (message.type) {
      case "mls-found":
      case "mls-key-package":
      case "mls-commit":
      case "mls-message":
      case "mls-commit-failed":
        return this.relay(state.meeting, state.attendee.id, message);
      case "lobby-deny":
        return state.meeting.deny(state.attendee, message.participantId);
      case "replace-link": {
        // The first link's key is the one that hashes to the room id (room-link.ts).
        const firstLink = (await roomIdFromServerKey(message.current)) === state.meeting.id;
        const [current, next] = [linkDigest(message.current), linkDigest(message.next)];
        return state.meeting.replaceLink(state.attendee, current, next, firstLink);
      }
      case "leave":
        return this.leave();
    }
  }

  private inLobby(
    state: Extract<State, { kind: "lobby" }>,
    message: Exclude<ClientMessage, { type: "join" | "ping" }>,
  ): void {
    const allowed = knockMessage(message);
    if (allowed === "leave") this.leave();
    else this.relay(state.meeting, state.knock.id, allowed);
  }

  private leave(): void {
    this.end("left");
    this.ws.close(1000, "left");
  }

  private relay(meeting: Meeting, from: ParticipantId, message: MlsClientMessage): void {
    const refusal = meeting.relay(from, message);
    if (refusal) throw new Refusal(refusal.code, refusal.message);
  }

  private async join(message: JoinMessage): Promise<void> {
    if (this.state.kind !== "connected") {
      throw new Refusal("ALREADY_JOINED", "this connection already joined");
    }
    try {
      await this.enter(message);
    } catch (error) {
      this.refuse(error);
    }
    // After the refusal, if any, went out: a cluster's primary takes a connection that was not
    // seated back only once its worker wrote everything it had for it.
    const now = this.state.kind as State["kind"];
    this.ctx.joinHandled?.(message.roomId, now !== "connected" && now !== "closed");
  }

  /**
   * Passes the connection on to the node that runs its meeting (forwarded-connection.ts), `join`
   * first; false when that node cannot be reached.
   */
  private async forward(message: JoinMessage, url: string): Promise<boolean> {
    const link = await forwardConnection(url, this.address, encodeMessage(message), {
      message: (text) => this.resend(text),
      closed: (code, reason) => {
        if (this.state.kind !== "forwarded") return;
        this.state = { kind: "closed" };
        // A close the owner chose passes on; an owner lost looks to the client like a lost network.
        if (code === 1000 || (code >= 4000 && code <= 4999)) this.ws.close(code, reason);
        else this.ws.terminate();
      },
    });
    if (!link) return false;
    if (this.state.kind !== "connected") link.close();
    else this.state = { kind: "forwarded", link };
    this.ctx.log.info(
      { room: roomTag(message.roomId) },
      "connection forwarded to the meeting's node",
    );
    return true;
  }

  private async enter(message: JoinMessage): Promise<void> {
    const stillWaiting = () => this.state.kind === "connected";
    let admission: Admission | null = null;
    let forwarding: Forwarding | null = this.forwardable ? { unreachable: null } : null;
    while (admission === null) {
      try {
        admission = await this.ctx.gate.admit(message, this.address, stillWaiting, forwarding);
        if (!admission) return;
      } catch (error) {
        if (!(error instanceof OwnedElsewhere)) throw error;
        if (await this.forward(message, error.url)) return;
        // The owner could not be reached (it died): wait here for its lease instead, or go to
        // the node that takes the meeting over meanwhile.
        forwarding = { unreachable: error.owner };
      }
    }
    const { meeting } = admission;
    if (admission.kind === "knock") {
      const knock = meeting.lobby.knock(this, admission.name, admission.resume);
      this.state = { kind: "lobby", meeting, knock };
      this.ctx.log.info({ room: roomTag(meeting.id), waiting: meeting.lobby.size }, "knock");
      return;
    }
    this.state = { kind: "joining", meeting };
    meeting.join(this, admission.resumption, admission.link);
    this.ctx.metrics.joins.inc();
  }
}
