import type { GroupDelivery } from "@conclave/delivery-service";
import type { ClientMessage, ParticipantId, ServerMessage } from "@conclave/protocol";
import { PROTOCOL_VERSION } from "@conclave/protocol";
import { type CloseCode, type Connection, newParticipantId } from "./attendee.ts";
import type { StoredKnock } from "./coordination/meeting-journal.ts";
import { newResumeToken, resumeTokenOpens } from "./held-place.ts";
import type { MeetingRecord } from "./meeting-record.ts";
import type { RedeemedTokens } from "./redeemed-tokens.ts";
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

export const TOKEN_USED_MESSAGE =
  "this resume token already took its place back, on another connection; join afresh to come in as someone new";

/**
 * A knock waiting in the lobby: not a participant, and it gets nothing of the meeting. Away (its
 * connection dropped, or it was taken over from a node that died, then with no name yet), it
 * waits for its knocker to come back: `connection` null.
 */
export interface Knock {
  readonly id: ParticipantId;
  /** The name it claims, unverified, for the hosts (normalised by the protocol's schema). */
  readonly name: string;
  /** Its connection as the meeting sends to it (after the record's writes), and as it came. */
  readonly connection: Connection | null;
  readonly raw: Connection | null;
  /** Its client's address key (client-address.ts); "taken-over" until one taken over is back. */
  readonly address: string;
  /** SHA-256 of its knock resume token. */
  readonly digest: Buffer;
  /** When it first knocked (ms since the epoch): its place in the queue, its time limit. */
  readonly since: number;
  readonly timer: ReturnType<typeof setTimeout>;
}

/** A knocker coming back presents its knock's id and the token of its last `lobby`. */
export interface KnockResume {
  readonly participantId: ParticipantId;
  readonly token: string;
}

/** What the lobby keeps beside its meeting: the record, used tokens, the reconnection window. */
export interface LobbyKeeping {
  readonly record: MeetingRecord | null;
  readonly redeemed: RedeemedTokens;
  readonly reconnectWindowMs: number;
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
 * With a record (several machines), each knock is written with its knock resume token's digest
 * and when it came, never its name, so a node that takes the meeting over keeps it in its place
 * for its knocker to come back to.
 */
export class Lobby {
  /** In the order they came: a knock that comes back keeps its entry, so its place. */
  private readonly knocks = new Map<ParticipantId, Knock>();

  constructor(
    private readonly host: LobbyHost,
    private readonly keep: LobbyKeeping,
  ) {}

  get size(): number {
    return this.knocks.size;
  }

  /**
   * Lets `connection` wait, as a knock claiming `name`, if the meeting has started (members and a
   * group) and lets people knock; the Delivery Service follows that setting from the commits.
   * With `resume` that opens a knock still waiting (its knocker's connection dropped, or the
   * meeting moved here from a node that died), it waits on in that knock's place, under its id;
   * a token that already did is refused (RESUME_TOKEN_USED), any other knocks anew.
   */
  knock(connection: Connection, name: string, resume?: KnockResume): Knock {
    const group = this.host.delivery.state;
    const waiting = resume && this.knocks.get(resume.participantId);
    if (group && waiting && resume && resumeTokenOpens(resume.token, waiting.digest)) {
      this.keep.redeemed.redeem(waiting.id, waiting.digest);
      return this.wait(connection, { id: waiting.id, name, since: waiting.since }, waiting);
    }
    if (resume && this.keep.redeemed.used(resume.participantId, resume.token)) {
      throw new Refusal("RESUME_TOKEN_USED", TOKEN_USED_MESSAGE);
    }
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
    return this.wait(connection, { id: newParticipantId(), name, since: Date.now() });
  }

  /**
   * The knock `id` waits on `raw`, with a new knock resume token (written before its knocker
   * hears of it); `before`, the knock it carries on, whose connection, if still open, is dropped.
   */
  private wait(
    raw: Connection,
    { id, name, since }: { id: ParticipantId; name: string; since: number },
    before?: Knock,
  ): Knock {
    const group = this.host.delivery.state;
    if (!group) throw new Refusal("NO_MEETING", NO_MEETING_MESSAGE);
    const token = newResumeToken();
    const connection = this.keep.record?.connect(raw) ?? raw;
    const left = since + LOBBY_WAIT_MS - Date.now();
    const knock: Knock = {
      id,
      name,
      connection,
      raw,
      address: raw.address,
      digest: token.digest,
      since,
      timer: setTimeout(() => this.remove(knock, "left", TIMED_OUT), Math.max(left, 0)),
    };
    if (before) clearTimeout(before.timer);
    this.knocks.set(id, knock);
    // The old connection's end finds another knock in its place, and removes nothing.
    before?.raw?.drop();
    this.host.delivery.connect(id);
    this.keep.record?.knocked(id, token.digest, since);
    const resumed = before !== undefined;
    connection.send({
      type: "lobby",
      protocol: PROTOCOL_VERSION,
      selfId: id,
      group,
      resumed,
      resumeToken: token.token,
    });
    connection.send({ type: "room-status", ...this.host.waitingStatus });
    // Told again when it comes back: a member who came meanwhile has not heard of it.
    this.host.tellMembers({ type: "knock", from: id, name });
    return knock;
  }

  /**
   * Knocks a node that died left waiting (meetings.ts): each keeps its place for the
   * reconnection window, for its knocker to come back to, and is ended after it.
   */
  restore(knocks: readonly StoredKnock[]): void {
    for (const { id, digest, since } of knocks) {
      this.awaitKnocker({ id, name: "", address: "taken-over", digest, since });
    }
  }

  /**
   * The knock's connection dropped without a `leave` (docs/protocol.md "Lobby"): a network that
   * went away, a page that reloads. It keeps its place for the reconnection window, the same wait
   * a member's place gets, for its knocker to come back to with its token, and the members are
   * told it is away. The Delivery Service keeps its KeyPackage: a host who admits it meanwhile
   * has it come in when it is back (Meeting.admit). With no window, it ends at once.
   */
  away(knock: Knock): void {
    if (this.knocks.get(knock.id) !== knock) return;
    if (this.keep.reconnectWindowMs <= 0) {
      this.remove(knock, "left");
      return;
    }
    clearTimeout(knock.timer);
    this.awaitKnocker(knock);
    this.host.tellMembers({ type: "knock-away", from: knock.id });
  }

  /** Keeps `knock`'s place, connectionless, for the window (or what is left of its wait). */
  private awaitKnocker(knock: Pick<Knock, "id" | "name" | "address" | "digest" | "since">): void {
    const left = Math.min(this.keep.reconnectWindowMs, knock.since + LOBBY_WAIT_MS - Date.now());
    const away: Knock = {
      ...knock,
      connection: null,
      raw: null,
      timer: setTimeout(() => this.remove(away, "left"), Math.max(left, 0)),
    };
    this.knocks.set(knock.id, away);
  }

  get(id: ParticipantId): Knock | undefined {
    return this.knocks.get(id);
  }

  /**
   * Knocks a host's commit just gave a leaf: the meeting seats them (on `raw`, as they came), or
   * holds a place for one that is away. Each leaves the lobby; the tokens they used stay with the
   * place.
   */
  takeAdmitted(): Knock[] {
    const admitted = [...this.knocks.values()].filter(
      (knock) => this.host.delivery.leafOf(knock.id) !== null,
    );
    for (const knock of admitted) {
      clearTimeout(knock.timer);
      this.knocks.delete(knock.id);
      this.keep.record?.unknocked(knock.id);
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
    this.keep.redeemed.forget(knock.id);
    this.keep.record?.unknocked(knock.id);
    this.host.broadcast({ type: "knock-ended", from: knock.id, reason });
    if (close) knock.connection?.close(close.code, close.message);
  }

  /**
   * A new member, or one back from a drop, hears of the knocks waiting (all of them first, so a
   * knock that ended while it was away goes from its list), and which are away. One taken over
   * from a node that died has no name until its knocker is back: only a member who already lists
   * it hears of it (`knock-away` of an id it does not list changes nothing).
   */
  announceTo(send: (message: ServerMessage) => void): void {
    send({ type: "knocks-waiting", waiting: [...this.knocks.keys()] });
    for (const { id, name, connection } of this.knocks.values()) {
      if (name !== "") send({ type: "knock", from: id, name });
      if (!connection) send({ type: "knock-away", from: id });
    }
  }

  /** Tells the knocks when lock or lobby change; closes them when knocking stops. */
  followSettings(status: ServerMessage): void {
    const knocking = this.host.delivery.settings.knockingEnabled;
    for (const knock of [...this.knocks.values()]) {
      if (knocking) knock.connection?.send(status);
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

  /**
   * The meeting moves to another node (a drain: `close` each connection with `code`, after the
   * writes before it) or was lost to one (`drop` each at once). The knocks stay in the record and
   * the members are told nothing: each knocker comes back to its knock on the next node.
   */
  release(how: { readonly code: CloseCode; readonly message: string } | "drop"): void {
    const knocks = [...this.knocks.values()];
    this.knocks.clear();
    for (const knock of knocks) {
      clearTimeout(knock.timer);
      if (how === "drop") knock.raw?.drop();
      else knock.connection?.close(how.code, how.message);
    }
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
