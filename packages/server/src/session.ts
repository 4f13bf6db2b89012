import { randomBytes } from "node:crypto";
import {
  type ClientMessage,
  type ErrorCode,
  encodeMessage,
  isProtocolError,
  type Participant,
  type ParticipantId,
  PROTOCOL_VERSION,
  parseClientMessage,
  roomIdFromServerKey,
  type ServerMessage,
  toBase64url,
} from "@conclave/protocol";
import { NegotiationError, type Peer, type Sfu } from "@conclave/sfu";
import type { WebSocket } from "ws";
import type { Logger } from "./logger.ts";
import { roomTag } from "./logger.ts";
import type { Meeting, Meetings, Member } from "./meeting.ts";
import type { Metrics } from "./metrics.ts";
import { TokenBucket } from "./rate-limit.ts";

export interface SessionContext {
  readonly sfu: Sfu;
  readonly meetings: Meetings;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly maxParticipants: number;
  readonly isDraining: () => boolean;
}

type State =
  | { readonly kind: "connected" }
  | {
      readonly kind: "joined";
      readonly meeting: Meeting;
      readonly peer: Peer;
      participant: Participant;
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

  constructor(
    private readonly ws: WebSocket,
    private readonly ctx: SessionContext,
  ) {
    ws.on("message", (data, isBinary) => {
      const raw = isBinary ? null : data.toString();
      this.queue = this.queue.then(() => this.receive(raw));
    });
    ws.on("close", () => this.end("disconnected"));
  }

  get participant(): Participant | null {
    return this.state.kind === "joined" ? this.state.participant : null;
  }

  send(message: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeMessage(message));
  }

  /** Removes the participant (if joined) and tells the others. Idempotent. */
  end(reason: "left" | "disconnected"): void {
    const state = this.state;
    this.state = { kind: "closed" };
    if (state.kind !== "joined") return;
    const { meeting, participant } = state;
    this.ctx.meetings.remove(meeting.id, participant.id);
    this.ctx.sfu.removePeer(meeting.id, participant.id);
    meeting.broadcast({ type: "participant-left", id: participant.id, reason });
    this.ctx.log.info(
      { room: roomTag(meeting.id), size: meeting.size, reason },
      "participant left",
    );
  }

  private async receive(raw: string | null): Promise<void> {
    if (this.state.kind === "closed") return;
    try {
      if (!this.bucket.take()) throw new Refusal("RATE_LIMITED", "too many messages; slow down");
      if (raw === null) throw new Refusal("BAD_MESSAGE", "binary frames are not accepted");
      await this.handle(parseClientMessage(raw));
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
      case "ice-candidate": {
        const { transport, candidate, sdpMid, sdpMLineIndex } = message;
        // A candidate the media stack cannot use changes nothing; ICE goes on with the others.
        await state.peer
          .addIceCandidate(transport, { candidate, sdpMid, sdpMLineIndex })
          .catch(() => {});
        return;
      }
      case "media-state": {
        state.participant = { ...state.participant, audio: message.audio, video: message.video };
        state.meeting.broadcast(
          { type: "participant-updated", participant: state.participant },
          state.participant.id,
        );
        return;
      }
      case "keyframe-request":
        this.ctx.sfu
          .existingRoom(state.meeting.id)
          ?.peer(message.participantId)
          ?.producers.get("video")
          ?.requestKeyframe();
        return;
      case "leave":
        this.end("left");
        this.ws.close(1000, "left");
        return;
    }
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
    if ((await roomIdFromServerKey(message.serverKey)) !== message.roomId) {
      throw new Refusal("GATE_REFUSED", "this meeting link is not valid; ask for the link again");
    }
    if (this.state.kind !== "connected") return;
    const meeting = this.ctx.meetings.getOrCreate(message.roomId);
    if (meeting.size >= this.ctx.maxParticipants) {
      throw new Refusal("ROOM_FULL", `this meeting is full (${this.ctx.maxParticipants} people)`);
    }
    const participant: Participant = {
      id: toBase64url(randomBytes(12)) as ParticipantId,
      name: message.name,
      audio: true,
      video: true,
    };
    const peer = this.ctx.sfu.room(meeting.id).addPeer(participant.id, (sdp, tracks) =>
      this.send({
        type: "subscribe-offer",
        sdp,
        tracks: tracks.map((t) => ({
          mid: t.mid,
          participantId: t.publisherId as ParticipantId,
          kind: t.kind,
        })),
      }),
    );
    this.state = { kind: "joined", meeting, peer, participant };
    this.send({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      selfId: participant.id,
      participants: meeting.participants(),
    });
    meeting.members.set(participant.id, this);
    meeting.broadcast({ type: "participant-joined", participant }, participant.id);
    this.ctx.metrics.joins.inc();
    this.ctx.log.info({ room: roomTag(meeting.id), size: meeting.size }, "participant joined");
  }
}
