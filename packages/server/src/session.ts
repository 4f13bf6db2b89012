import { randomBytes } from "node:crypto";
import type { Outcome } from "@conclave/delivery-service";
import {
  type ClientMessage,
  type ErrorCode,
  encodeMessage,
  isProtocolError,
  type Participant,
  type ParticipantId,
  PROTOCOL_VERSION,
  parseClientMessage,
  type RoomId,
  roomIdFromServerKey,
  type ServerMessage,
  toBase64url,
} from "@conclave/protocol";
import { NegotiationError, type Peer, type Sfu } from "@conclave/sfu";
import type { WebSocket } from "ws";
import type { HostileServer } from "./attacks/hostile-server.ts";
import type { Capture } from "./capture.ts";
import { HeldPlace, newResumeToken, resumeTokenOpens } from "./held-place.ts";
import type { Logger } from "./logger.ts";
import { roomTag } from "./logger.ts";
import {
  LINK_REPLACED_MESSAGE,
  linkDigest,
  type Meeting,
  type Meetings,
  type Member,
} from "./meeting.ts";
import type { Metrics } from "./metrics.ts";
import { type AddressLimiter, TokenBucket } from "./rate-limit.ts";

/** How long a knock waits for a host before the server gives it up. */
const LOBBY_WAIT_MS = 10 * 60_000;
/** Knocks waiting at once in one meeting: more are refused, so a crowd cannot flood the hosts. */
const MAX_LOBBY = 20;

export interface SessionContext {
  readonly sfu: Sfu;
  readonly meetings: Meetings;
  /** Join attempts and knocks per client address (docs/protocol.md "Rate limits"). */
  readonly joinLimiter: AddressLimiter;
  readonly knockLimiter: AddressLimiter;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly maxParticipants: number;
  /** Close connections not in the MLS group after this long; 0 turns it off. */
  readonly mlsJoinGraceMs: number;
  /** How long a dropped member's place waits for it to reconnect; 0 turns holding off. */
  readonly reconnectWindowMs: number;
  readonly capture: Capture | null;
  /** Test-only: the attacks ATTACKS switched on (packages/server/src/attacks/); null in production. */
  readonly attacks: HostileServer | null;
  readonly isDraining: () => boolean;
}

type State =
  | { readonly kind: "connected" }
  | {
      readonly kind: "joined";
      readonly meeting: Meeting;
      readonly peer: Peer;
      /** Everything but the leaf, which the meeting's Delivery Service follows. */
      participant: Omit<Participant, "leaf">;
      /** Digest of the token that takes this place back after a drop. */
      readonly resumeDigest: Buffer;
      /** Digest of the link key it came with; null when it came by a knock. */
      readonly linkDigest: string | null;
    }
  | {
      /** A knock: waits for a host, receives nothing of the meeting (docs/protocol.md "Lobby"). */
      readonly kind: "lobby";
      readonly meeting: Meeting;
      readonly id: ParticipantId;
      readonly name: string;
      readonly timer: ReturnType<typeof setTimeout>;
    }
  | { readonly kind: "closed" };

class Refusal extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * One participant's WebSocket. Messages are handled one at a time in arrival order; a message that
 * fails validation or is refused gets an `error` reply and changes nothing.
 */
export class Session implements Member {
  private state: State = { kind: "connected" };
  private queue: Promise<void> = Promise.resolve();
  private readonly bucket = new TokenBucket(60, 30);
  private graceTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly ws: WebSocket,
    /** The client's address, for the per-address limits on join attempts and knocks. */
    private readonly address: string,
    private readonly ctx: SessionContext,
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
      this.queue = this.queue.then(() => this.receive(read));
    });
    ws.on("close", () => this.end("disconnected"));
  }

  get participant(): Participant | null {
    if (this.state.kind !== "joined") return null;
    const { meeting, participant } = this.state;
    return { ...participant, leaf: meeting.delivery.leafOf(participant.id) };
  }

  get knockName(): string | null {
    return this.state.kind === "lobby" ? this.state.name : null;
  }

  get linkDigest(): string | null {
    return this.state.kind === "joined" ? this.state.linkDigest : null;
  }

  expel(
    code: "BAD_MLS" | "NOT_A_MEMBER" | "REMOVED" | "DENIED" | "LINK_REPLACED",
    message: string,
  ): void {
    this.send({ type: "error", code, message });
    // Not held: the members remove its leaf after their window; it joins again if it can.
    this.end("disconnected", false);
    this.ws.close(4000, code);
  }

  send(message: ServerMessage): void {
    const attacked = this.attackedSession();
    if (this.ctx.attacks && attacked) {
      for (const m of this.ctx.attacks.outbound(attacked, message))
        this.sendEncoded(encodeMessage(m));
      return;
    }
    this.sendEncoded(encodeMessage(message));
  }

  /** This connection as the test-only attacks see it, once joined. */
  private attackedSession() {
    if (this.state.kind !== "joined") return null;
    return {
      room: this.state.meeting.id,
      id: this.state.participant.id,
      send: (message: ServerMessage) => this.sendEncoded(encodeMessage(message)),
    };
  }

  handOver(token: string): boolean {
    if (this.state.kind !== "joined" || !resumeTokenOpens(token, this.state.resumeDigest)) {
      return false;
    }
    // The client already gave this connection up (its network changed, say) before we noticed.
    this.end("disconnected");
    this.ws.terminate();
    return true;
  }

  private sendEncoded(raw: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(raw);
  }

  /**
   * A host admitted this knock: the Delivery Service gave it a leaf. It becomes a participant (its
   * MLS Welcome follows from the caller); until now it had nothing of the meeting.
   */
  promote(): void {
    const state = this.state;
    if (state.kind !== "lobby") return;
    clearTimeout(state.timer);
    const { meeting, id } = state;
    meeting.lobby.delete(id);
    const participant = { id, audio: true, video: true };
    const resumeToken = this.becomeParticipant(meeting, participant, null);
    this.send({
      type: "admitted",
      participants: meeting.participants(),
      resumeToken,
    });
    meeting.members.set(id, this);
    meeting.broadcast({ type: "knock-ended", from: id, reason: "admitted" }, id);
    meeting.broadcast(
      {
        type: "participant-joined",
        participant: { ...participant, leaf: meeting.delivery.leafOf(id) },
      },
      id,
    );
    this.ctx.log.info({ room: roomTag(meeting.id), size: meeting.size }, "knock admitted");
  }

  /**
   * Removes the participant (if joined) and tells the others. Idempotent. A dropped MLS member's
   * place is held for the reconnection window; its leaf stays with the Delivery Service meanwhile.
   */
  end(reason: "left" | "disconnected", holdPlace = true): void {
    const state = this.state;
    this.state = { kind: "closed" };
    if (state.kind === "lobby") {
      clearTimeout(state.timer);
      state.meeting.lobby.delete(state.id);
      state.meeting.delivery.disconnect(state.id);
      state.meeting.broadcast({ type: "knock-ended", from: state.id, reason: "left" });
      return;
    }
    if (state.kind !== "joined") return;
    const { meeting, participant } = state;
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.ctx.sfu.removePeer(meeting.id, participant.id);
    meeting.members.delete(participant.id);
    const hold =
      holdPlace &&
      reason === "disconnected" &&
      this.ctx.reconnectWindowMs > 0 &&
      meeting.delivery.leafOf(participant.id) !== null;
    if (hold) {
      const timer = setTimeout(() => {
        meeting.release(participant.id);
        this.ctx.meetings.dropIfEmpty(meeting);
      }, this.ctx.reconnectWindowMs);
      meeting.held.set(participant.id, new HeldPlace(participant, state.resumeDigest, timer));
    } else {
      meeting.delivery.disconnect(participant.id);
      this.ctx.meetings.dropIfEmpty(meeting);
    }
    meeting.broadcast({ type: "participant-left", id: participant.id, reason });
    this.ctx.log.info(
      { room: roomTag(meeting.id), size: meeting.size, reason, held: hold },
      "participant left",
    );
  }

  /** Checks a message as it arrives: within the rate, text, and valid. */
  private read(raw: string | null): { message: ClientMessage } | { refused: unknown } {
    try {
      if (!this.bucket.take()) throw new Refusal("RATE_LIMITED", "too many messages; slow down");
      if (raw === null) throw new Refusal("BAD_MESSAGE", "binary frames are not accepted");
      return { message: parseClientMessage(raw) };
    } catch (error) {
      return { refused: error };
    }
  }

  private async receive(read: { message: ClientMessage } | { refused: unknown }): Promise<void> {
    if (this.state.kind === "closed") return;
    try {
      if ("refused" in read) throw read.refused;
      const { message } = read;
      const attacked = this.attackedSession();
      const handled =
        this.ctx.attacks && attacked ? await this.ctx.attacks.inbound(attacked, message) : message;
      if (handled) await this.handle(handled);
    } catch (error) {
      this.refuse(error);
    }
  }

  private refuse(error: unknown): void {
    let code: ErrorCode = "INTERNAL";
    let message = "internal error";
    if (error instanceof Refusal || isProtocolError(error)) {
      code = error.code;
      message = error.message;
    } else if (error instanceof NegotiationError) {
      code = "NEGOTIATION_FAILED";
      message = error.message;
    } else {
      this.ctx.log.error({ err: error }, "message handler failed");
    }
    this.ctx.metrics.signallingErrors.inc({ code });
    this.send({ type: "error", code, message });
  }

  private async handle(message: ClientMessage): Promise<void> {
    if (message.type === "join") return this.join(message);
    if (message.type === "ping") {
      this.send({ type: "pong" });
      return;
    }
    if (this.state.kind === "lobby") return this.inLobby(this.state, message);
    const state = this.state;
    if (state.kind !== "joined")
      throw new Refusal("NOT_JOINED", `send join before ${message.type}`);
    switch (message.type) {
      case "publish": {
        const sdp = await state.peer.publishTransport.answer(message.sdp);
        this.send({ type: "publish-answer", sdp });
        return;
      }
      case "subscribe-answer":
        await state.peer.subscribeTransport.applyAnswer(message.sdp);
        return;
      case "ice-candidate":
        this.addIceCandidate(state.peer, message);
        return;
      case "media-state": {
        state.participant = { ...state.participant, audio: message.audio, video: message.video };
        const participant = this.participant;
        if (participant) {
          state.meeting.broadcast({ type: "participant-updated", participant }, participant.id);
        }
        return;
      }
      case "keyframe-request":
        this.ctx.sfu
          .existingRoom(state.meeting.id)
          ?.peer(message.participantId)
          ?.producers.get(message.source ?? "camera")
          ?.requestKeyframe();
        return;
      case "screen-share":
        this.ctx.sfu.existingRoom(state.meeting.id)?.shareScreen(state.participant.id, message);
        return;
      case "mls-found":
      case "mls-key-package":
      case "mls-commit":
      case "mls-message":
      case "mls-commit-failed":
        return this.deliver(
          state.meeting,
          state.meeting.delivery.receive(state.participant.id, message),
        );
      case "lobby-deny":
        return this.denyKnock(state.meeting, message.participantId);
      case "replace-link":
        return this.replaceLink(state.meeting, message.current, message.next);
      case "leave":
        this.end("left");
        this.ws.close(1000, "left");
        return;
    }
  }

  /**
   * Detached: the media stack may take its time over a candidate, and nothing that follows in the
   * queue waits for it. One it cannot use changes nothing; ICE goes on with the others.
   */
  private addIceCandidate(peer: Peer, message: Extract<ClientMessage, { type: "ice-candidate" }>) {
    const { transport, candidate, sdpMid, sdpMLineIndex } = message;
    peer.addIceCandidate(transport, { candidate, sdpMid, sdpMLineIndex }).then(
      (outcome) => this.ctx.metrics.iceCandidates.inc({ outcome }),
      () => this.ctx.metrics.iceCandidates.inc({ outcome: "failed" }),
    );
  }

  /** A knock may upload its KeyPackage, without a proof, and leave; nothing else. */
  private inLobby(
    state: Extract<State, { kind: "lobby" }>,
    message: Exclude<ClientMessage, { type: "join" | "ping" }>,
  ): void {
    if (message.type === "leave") {
      this.end("left");
      this.ws.close(1000, "left");
      return;
    }
    if (message.type !== "mls-key-package") {
      throw new Refusal("NOT_JOINED", "you are waiting in the lobby until a host lets you in");
    }
    if (message.proof !== undefined || message.name !== undefined) {
      throw new Refusal("BAD_MESSAGE", "a knock carries no admission proof or sealed name");
    }
    this.deliver(state.meeting, state.meeting.delivery.keyPackage(state.id, message.keyPackage));
  }

  /**
   * A member turns away someone waiting: a knock, or a connection not yet in the group. The server
   * cannot tell roles (docs/protocol.md "Lobby"); any member could remove anyone anyway.
   */
  private denyKnock(meeting: Meeting, id: ParticipantId): void {
    if (this.participant?.leaf === null) {
      throw new Refusal("NOT_A_MEMBER", "only members of the group turn a knock away");
    }
    const waiting = meeting.lobby.get(id) ?? meeting.members.get(id);
    if (!waiting || (waiting.participant !== null && waiting.participant.leaf !== null)) {
      throw new Refusal("BAD_MESSAGE", "nobody with that id is waiting");
    }
    meeting.broadcast({ type: "knock-ended", from: id, reason: "denied" });
    waiting.expel("DENIED", "a host did not let you in");
  }

  /** A member's client made the new link current after "remove and block" replaced the secret. */
  private async replaceLink(meeting: Meeting, current: string, next: string): Promise<void> {
    if (this.participant?.leaf === null) {
      throw new Refusal("NOT_A_MEMBER", "only members of the group replace the link");
    }
    const firstLink = (await roomIdFromServerKey(current)) === meeting.id;
    if (!meeting.replaceLink(linkDigest(current), linkDigest(next), firstLink)) {
      throw new Refusal("BAD_MESSAGE", "that is not the meeting's current link");
    }
    this.ctx.log.info({ room: roomTag(meeting.id) }, "link replaced");
  }

  private deliver(meeting: Meeting, outcome: Outcome): void {
    meeting.deliver(outcome);
    if (outcome.refusal) throw new Refusal(outcome.refusal.code, outcome.refusal.message);
  }

  private async join(message: Extract<ClientMessage, { type: "join" }>): Promise<void> {
    if (this.state.kind !== "connected")
      throw new Refusal("ALREADY_JOINED", "this connection already joined");
    if (message.protocol !== PROTOCOL_VERSION) {
      throw new Refusal(
        "UNSUPPORTED_VERSION",
        `this server speaks protocol ${PROTOCOL_VERSION}; reload the page`,
      );
    }
    if (this.ctx.isDraining())
      throw new Refusal("SHUTTING_DOWN", "the server is restarting; try again shortly");
    // A knock with a resume token is an admitted knocker whose connection dropped.
    if (message.knock && !message.resume) return this.knock(message.roomId, message.knock.name);
    if (!this.ctx.joinLimiter.take(this.address)) {
      throw new Refusal(
        "RATE_LIMITED",
        "too many attempts to join from your network; wait a minute",
      );
    }
    const { serverKey, knock } = message;
    if (serverKey && (await roomIdFromServerKey(serverKey)) !== message.roomId) {
      throw new Refusal("GATE_REFUSED", "this meeting link is not valid; ask for the link again");
    }
    if (this.state.kind !== "connected") return;
    const existing = this.ctx.meetings.get(message.roomId);
    const resume = message.resume;
    if (resume) existing?.members.get(resume.participantId)?.handOver(resume.token);
    const place = resume && existing?.held.get(resume.participantId);
    const resumed = place?.opens(resume?.token ?? "") === true ? place : undefined;
    // No place to take back (the window passed, or a wrong token): a knocker asks again.
    if (knock && !resumed) return this.knock(message.roomId, knock.name);
    const meeting = existing ?? this.ctx.meetings.getOrCreate(message.roomId);
    // A member's own place outlives a link replaced while it was away: its token is enough.
    const link = serverKey ? linkDigest(message.linkKey ?? serverKey) : null;
    if (!resumed && link !== null && !meeting.admitsLink(link, message.linkKey !== undefined)) {
      this.ctx.meetings.dropIfEmpty(meeting);
      throw new Refusal("LINK_REPLACED", LINK_REPLACED_MESSAGE);
    }
    if (!resumed && meeting.size >= this.ctx.maxParticipants) {
      this.ctx.meetings.dropIfEmpty(meeting);
      throw new Refusal("ROOM_FULL", `this meeting is full (${this.ctx.maxParticipants} people)`);
    }
    const participant: Omit<Participant, "leaf"> = resumed?.participant ?? {
      id: toBase64url(randomBytes(12)) as ParticipantId,
      audio: true,
      video: true,
    };
    if (resumed) {
      clearTimeout(resumed.timer);
      meeting.held.delete(participant.id);
    }
    const resumeToken = this.becomeParticipant(meeting, participant, link);
    meeting.delivery.connect(participant.id);
    this.send({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      selfId: participant.id,
      participants: meeting.participants(),
      group: meeting.delivery.state,
      resumed: resumed !== undefined,
      resumeToken,
    });
    // What the Delivery Service sent while we were away, in order, before anything new.
    for (const raw of resumed?.take() ?? []) this.sendEncoded(raw);
    meeting.members.set(participant.id, this);
    const leaf = meeting.delivery.leafOf(participant.id);
    meeting.broadcast(
      { type: "participant-joined", participant: { ...participant, leaf } },
      participant.id,
    );
    if (leaf === null) {
      this.send({ type: "room-status", ...meeting.waitingStatus });
      this.startGrace(meeting, participant.id);
    }
    this.ctx.metrics.joins.inc();
    this.ctx.log.info(
      { room: roomTag(meeting.id), size: meeting.size, resumed: resumed !== undefined },
      "participant joined",
    );
  }

  /**
   * A connection that never becomes an MLS member only takes up room (docs/e2ee.md); while the
   * meeting is locked or its lobby mandatory it may wait for a host, so the wait starts again.
   */
  private startGrace(meeting: Meeting, id: ParticipantId): void {
    if (this.ctx.mlsJoinGraceMs <= 0) return;
    this.graceTimer = setTimeout(() => {
      if (this.state.kind !== "joined" || meeting.delivery.leafOf(id) !== null) return;
      const { locked, lobbyMandatory } = meeting.waitingStatus;
      if (locked || lobbyMandatory) this.startGrace(meeting, id);
      else this.expel("NOT_A_MEMBER", "you were not admitted to the meeting in time; join again");
    }, this.ctx.mlsJoinGraceMs);
  }

  /**
   * `join` with a knock: no server key, so only a lobby place in a meeting that exists, has its
   * group, and lets people knock (the Delivery Service follows the setting from the commits).
   */
  private knock(roomId: RoomId, name: string): void {
    if (!this.ctx.knockLimiter.take(this.address)) {
      throw new Refusal(
        "RATE_LIMITED",
        "too many knocks from your network; wait a minute and try again",
      );
    }
    const meeting = this.ctx.meetings.get(roomId);
    const group = meeting?.delivery.state;
    if (!meeting || !group || meeting.members.size === 0) {
      throw new Refusal(
        "NO_MEETING",
        "nobody is in this meeting yet; try again when it has started",
      );
    }
    if (!meeting.delivery.settings.knockingEnabled) {
      throw new Refusal(
        "KNOCKING_DISABLED",
        "the hosts do not let people ask to join this meeting",
      );
    }
    if (meeting.lobby.size >= MAX_LOBBY) {
      throw new Refusal("ROOM_FULL", "too many people are waiting to join; try again later");
    }
    const id = toBase64url(randomBytes(12)) as ParticipantId;
    const timer = setTimeout(
      () => this.expel("NOT_A_MEMBER", "nobody let you in; ask to join again"),
      LOBBY_WAIT_MS,
    );
    this.state = { kind: "lobby", meeting, id, name, timer };
    meeting.lobby.set(id, this);
    meeting.delivery.connect(id);
    this.send({ type: "lobby", protocol: PROTOCOL_VERSION, selfId: id, group });
    this.send({ type: "room-status", ...meeting.waitingStatus });
    meeting.tellMembers({ type: "knock", from: id, name });
    this.ctx.log.info({ room: roomTag(meeting.id), waiting: meeting.lobby.size }, "knock");
  }

  /** Enters the room as a participant; returns its fresh resume token, for the client only. */
  private becomeParticipant(
    meeting: Meeting,
    participant: Omit<Participant, "leaf">,
    linkDigest: string | null,
  ): string {
    const peer = this.enterRoom(meeting, participant.id);
    const token = newResumeToken();
    this.state = {
      kind: "joined",
      meeting,
      peer,
      participant,
      resumeDigest: token.digest,
      linkDigest,
    };
    return token.token;
  }

  private enterRoom(meeting: Meeting, id: ParticipantId): Peer {
    return this.ctx.sfu.room(meeting.id).addPeer(id, (sdp, tracks) =>
      this.send({
        type: "subscribe-offer",
        sdp,
        tracks: tracks.map((t) => ({
          mid: t.mid,
          participantId: t.publisherId as ParticipantId,
          kind: t.kind,
          source: t.source,
        })),
      }),
    );
  }
}
