import type { GroupDelivery } from "@conclave/delivery-service";
import type { ClientMessage, ParticipantId, ServerMessage } from "@conclave/protocol";
import { PROTOCOL_VERSION } from "@conclave/protocol";
import { type CloseCode, type Connection, newParticipantId } from "./attendee.ts";
import { Refusal } from "./refusal.ts";

/** How long a knock waits for a host before the server gives it up. */
const LOBBY_WAIT_MS = 10 * 60_000;
/** Knocks waiting at once in one meeting: more are refused, so a crowd cannot flood the hosts. */
const MAX_LOBBY = 20;
/** A knock for a meeting that has not started: nobody there, or no group yet. */
export const NO_MEETING_MESSAGE = "nobody is in this meeting yet; try again when it has started";
const TIMED_OUT = {
  code: "NOT_A_MEMBER",
  message: "nobody let you in; ask to join again",
} as const;

/** A knock waiting in the lobby: not a participant, and it gets nothing of the meeting. */
export interface Knock {
  readonly id: ParticipantId;
  /** The name it claims, unverified, for the hosts (normalised by the protocol's schema). */
  readonly name: string;
  readonly connection: Connection;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** What the lobby needs of its meeting. */
export interface LobbyHost {
  readonly delivery: GroupDelivery;
  /** Connected participants, whether or not in the group yet. */
  readonly present: number;
  readonly waitingStatus: { locked: boolean; lobbyMandatory: boolean };
  broadcast(message: ServerMessage): void;
  /** To participants holding a leaf: the only ones told about knocks. */
  tellMembers(message: ServerMessage): void;
}

/**
 * One meeting's lobby (docs/protocol.md "Lobby"): people with a knock link, who hold no server
 * key, waiting for a host to admit them. The server only keeps them apart and tells the members;
 * admitting is an MLS matter (a host commits the Add), after which the meeting seats the knock.
 */
export class Lobby {
  private readonly knocks = new Map<ParticipantId, Knock>();

  constructor(private readonly host: LobbyHost) {}

  get size(): number {
    return this.knocks.size;
  }

  /**
   * Lets `connection` wait, as a knock claiming `name`, if the meeting has started (members and a
   * group) and lets people knock; the Delivery Service follows that setting from the commits.
   */
  knock(connection: Connection, name: string): Knock {
    const group = this.host.delivery.state;
    if (!group || this.host.present === 0) {
      throw new Refusal("NO_MEETING", NO_MEETING_MESSAGE);
    }
    if (!this.host.delivery.settings.knockingEnabled) {
      throw new Refusal(
        "KNOCKING_DISABLED",
        "the hosts do not let people ask to join this meeting",
      );
    }
    if (this.knocks.size >= MAX_LOBBY) {
      throw new Refusal("ROOM_FULL", "too many people are waiting to join; try again later");
    }
    const id = newParticipantId();
    const knock: Knock = {
      id,
      name,
      connection,
      timer: setTimeout(() => this.remove(knock, "left", TIMED_OUT), LOBBY_WAIT_MS),
    };
    this.knocks.set(id, knock);
    this.host.delivery.connect(id);
    connection.send({ type: "lobby", protocol: PROTOCOL_VERSION, selfId: id, group });
    connection.send({ type: "room-status", ...this.host.waitingStatus });
    this.host.tellMembers({ type: "knock", from: id, name });
    return knock;
  }

  get(id: ParticipantId): Knock | undefined {
    return this.knocks.get(id);
  }

  /** Knocks a host's commit just gave a leaf: the meeting seats them. Each leaves the lobby. */
  takeAdmitted(): Knock[] {
    const admitted = [...this.knocks.values()].filter(
      (knock) => this.host.delivery.leafOf(knock.id) !== null,
    );
    for (const knock of admitted) {
      clearTimeout(knock.timer);
      this.knocks.delete(knock.id);
    }
    return admitted;
  }

  /**
   * A knock stops waiting: it left, was turned away, timed out, or knocking stopped. Members hear
   * why; with `close`, its connection is closed with that error.
   */
  remove(
    knock: Knock,
    reason: "left" | "denied",
    close?: { readonly code: CloseCode; readonly message: string },
  ): void {
    if (this.knocks.get(knock.id) !== knock) return;
    clearTimeout(knock.timer);
    this.knocks.delete(knock.id);
    this.host.delivery.disconnect(knock.id);
    this.host.broadcast({ type: "knock-ended", from: knock.id, reason });
    if (close) knock.connection.close(close.code, close.message);
  }

  /** A new member hears of the knocks already waiting. */
  announceTo(send: (message: ServerMessage) => void): void {
    for (const { id, name } of this.knocks.values()) send({ type: "knock", from: id, name });
  }

  /** Tells the knocks when lock or lobby change; closes them when knocking stops. */
  followSettings(status: ServerMessage): void {
    const knocking = this.host.delivery.settings.knockingEnabled;
    for (const knock of [...this.knocks.values()]) {
      if (knocking) knock.connection.send(status);
      else {
        this.remove(knock, "left", {
          code: "DENIED",
          message: "the hosts stopped letting people ask to join",
        });
      }
    }
  }

  /** Closes every knock (the meeting ended), with that error. */
  close(code: CloseCode, message: string): void {
    for (const knock of [...this.knocks.values()]) this.remove(knock, "left", { code, message });
  }
}

/** A knock may upload its KeyPackage, without a proof or sealed name, and leave; nothing else. */
export function knockMessage(
  message: Exclude<ClientMessage, { type: "join" | "ping" }>,
): Extract<ClientMessage, { type: "mls-key-package" }> | "leave" {
  if (message.type === "leave") return "leave";
  if (message.type !== "mls-key-package") {
    throw new Refusal("NOT_JOINED", "you are waiting in the lobby until a host lets you in");
  }
  if (message.proof !== undefined || message.name !== undefined) {
    throw new Refusal("BAD_MESSAGE", "a knock carries no admission proof or sealed name");
  }
  return message;
}
