import { randomBytes } from "node:crypto";
import {
  type Participant,
  type ParticipantId,
  type ServerMessage,
  toBase64url,
} from "@conclave/protocol";
import type { Peer } from "@conclave/sfu";
import { DeliveryTail } from "./delivery-tail.ts";

/** Why the server closes a connection, as the client is told (`error {code}`, then close). */
export type CloseCode =
  | "BAD_MLS"
  | "NOT_A_MEMBER"
  | "REMOVED"
  | "DENIED"
  | "LINK_REPLACED"
  | "SHUTTING_DOWN";

/** A fresh participant id: 96 random bits, so ids cannot be guessed or made to collide. */
export function newParticipantId(): ParticipantId {
  return toBase64url(randomBytes(12)) as ParticipantId;
}

/**
 * One client's connection as a meeting sees it; the session (session.ts) is one. The meeting
 * tells it what happens to it; it never reaches into the meeting.
 */
export interface Connection {
  /** The client's address key (client-address.ts), under which its held bytes are counted. */
  readonly address: string;
  /** `encoded`: the message already encoded, written as it is when nothing intercepts it. */
  send(message: ServerMessage, encoded?: string): void;
  /** Writes what was kept for it while it was away (held-place.ts), already encoded, in order. */
  resend(raw: string): void;
  /** The meeting let it go: send `error {code, message}` and close the socket. */
  close(code: CloseCode, message: string): void;
  /**
   * The meeting moves to another node (a drain): send `error {code, message}` and close the
   * socket, but go on reading what the client sent before it saw the close, as a member still;
   * the meeting hears the end once the client closed its side, as a drop.
   */
  release(code: CloseCode, message: string): void;
  /** Its client already gave it up (a new connection took its place back): treat it as dropped. */
  drop(): void;
  /** The meeting seated it (a join, or a knock a host admitted): it is this attendee now. */
  seated(attendee: Attendee): void;
}

/**
 * A participant present in a meeting: its connection, its media peer, what it says of its
 * microphone and camera, the digest of the token that takes its place back after a drop, the tail
 * of what the Delivery Service sent it, and the digest of the link it came with. Its meeting makes it (Meeting.join, Meeting.admit) and lets it
 * go (Meeting.leave), closing its peer.
 */
export class Attendee {
  /** Everything of the participant but the leaf, which the meeting's Delivery Service follows. */
  state: Omit<Participant, "leaf">;
  /** While it is not in the MLS group: when the meeting stops waiting for it (MLS_JOIN_GRACE_MS). */
  private grace: ReturnType<typeof setTimeout> | null = null;

  constructor(
    readonly connection: Connection,
    readonly peer: Peer,
    state: Omit<Participant, "leaf">,
    /** Digest of the token that takes this place back after a drop (held-place.ts). */
    readonly resumeDigest: Buffer,
    /** Digest of the link key it came with (meeting-link.ts); null when it came by a knock. */
    readonly linkDigest: string | null,
    /** What the Delivery Service sent its place, numbered from the place's first message. */
    readonly tail = new DeliveryTail(),
  ) {
    this.state = state;
  }

  get id(): ParticipantId {
    return this.state.id;
  }

  send(message: ServerMessage): void {
    this.connection.send(message);
  }

  /** Sends a Delivery Service message, keeping it (`encoded`) in the tail in case it is lost. */
  deliver(message: ServerMessage, encoded: string): void {
    this.tail.push(encoded);
    this.connection.send(message, encoded);
  }

  /** Sends again, past interception, what a dropped connection of this place missed. */
  redeliver(encoded: string): void {
    this.tail.push(encoded);
    this.connection.resend(encoded);
  }

  /** Starts (or starts again) the wait for it to join the group; `onEnd` runs when it is over. */
  waitForGroup(ms: number, onEnd: () => void): void {
    this.stopWaiting();
    this.grace = setTimeout(onEnd, ms);
  }

  stopWaiting(): void {
    if (this.grace) clearTimeout(this.grace);
    this.grace = null;
  }
}
