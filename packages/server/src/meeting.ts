import { createHash } from "node:crypto";
import { GroupDelivery, type Outcome } from "@conclave/delivery-service";
import type { Participant, ParticipantId, RoomId, ServerMessage } from "@conclave/protocol";
import type { HeldPlace } from "./held-place.ts";

/** What the signalling side holds for one connected participant. */
export interface Member {
  readonly participant: Participant | null;
  /** Digest of the link key it joined with (linkDigest); null for a knock. */
  readonly linkDigest: string | null;
  send(message: ServerMessage): void;
  /** Closes the connection with an error the client shows. */
  expel(
    code: "BAD_MLS" | "NOT_A_MEMBER" | "REMOVED" | "DENIED" | "LINK_REPLACED",
    message: string,
  ): void;
  /**
   * A new connection of the same client presents `token`: if it is this connection's, drop this
   * one as disconnected (its place is then held for the new one) and say true.
   */
  handOver(token: string): boolean;
}

/** A knock waiting in the lobby (docs/protocol.md "Lobby"): it gets nothing of the meeting. */
export interface Knocker extends Member {
  /** The name it claims, unverified, for the hosts. */
  readonly knockName: string | null;
  /** A host's commit gave it a leaf: it becomes a participant. */
  promote(): void;
}

/** Why a joiner with an old link is refused, or closed while it waits. */
export const LINK_REPLACED_MESSAGE = "the hosts replaced this meeting's link: ask to join";

/** What the server keeps of a link key: its SHA-256, hex. */
export function linkDigest(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The signalling view of one room: who is in it, and how to tell them. */
export class Meeting {
  readonly members = new Map<ParticipantId, Member>();
  /** Places of members whose connection dropped, kept for the reconnection window. */
  readonly held = new Map<ParticipantId, HeldPlace>();
  /** Knocks waiting for a host; not participants, not counted in `size`. */
  readonly lobby = new Map<ParticipantId, Knocker>();
  /** The room's MLS Delivery Service: it orders commits and follows the roster, with no key. */
  readonly delivery = new GroupDelivery();

  private lastSettings: GroupDelivery["settings"];
  /**
   * The current link's key digest once members replaced the first link ("remove and block",
   * docs/protocol.md "Replacing the link"); undefined while the first link is current.
   */
  private currentLink: string | undefined;

  constructor(readonly id: RoomId) {
    this.lastSettings = this.delivery.settings;
  }

  /** What a connection not yet in the group is told about why it may wait. */
  get waitingStatus(): { locked: boolean; lobbyMandatory: boolean } {
    const { locked, lobbyMandatory } = this.delivery.settings;
    return { locked, lobbyMandatory };
  }

  /**
   * Whether a joiner presenting this link may wait for admission. A replaced link that opens an
   * empty room makes itself current, so the old link cannot walk into a meeting restarted later.
   */
  admitsLink(digest: string, replaced: boolean): boolean {
    if (this.currentLink === undefined && replaced && this.size === 0) this.currentLink = digest;
    return this.currentLink === undefined || this.currentLink === digest;
  }

  /**
   * Makes `next` the current link, if `current` is (the first link's key is checked by the
   * caller: `firstLink`). Idempotent: every member holding the secret sends the same change.
   * Connections still waiting with another link are closed, to knock instead.
   */
  replaceLink(current: string, next: string, firstLink: boolean): boolean {
    if (this.currentLink !== next) {
      if (this.currentLink === undefined ? !firstLink : this.currentLink !== current) return false;
      this.currentLink = next;
    }
    for (const member of [...this.members.values()]) {
      if (member.participant?.leaf === null && member.linkDigest !== next) {
        member.expel("LINK_REPLACED", LINK_REPLACED_MESSAGE);
      }
    }
    return true;
  }

  /** Participants who hold a leaf: the only ones told about knocks. */
  tellMembers(message: ServerMessage): void {
    for (const member of this.members.values()) {
      if (member.participant !== null && member.participant.leaf !== null) member.send(message);
    }
  }

  /** Connected participants and held places: both take room in the meeting. */
  get size(): number {
    return this.members.size + this.held.size;
  }

  /** Gives up a held place: its leaf is for the members to remove now. */
  release(id: ParticipantId): void {
    const place = this.held.get(id);
    if (!place) return;
    clearTimeout(place.timer);
    this.held.delete(id);
    this.delivery.disconnect(id);
  }

  /** Tells those still waiting when lock or lobby change; closes knocks when knocking stops. */
  private followSettings(): void {
    const settings = this.delivery.settings;
    if (settings === this.lastSettings) return;
    this.lastSettings = settings;
    const status: ServerMessage = { type: "room-status", ...this.waitingStatus };
    for (const member of this.members.values()) {
      if (member.participant?.leaf === null) member.send(status);
    }
    for (const knocker of [...this.lobby.values()]) {
      if (settings.knockingEnabled) knocker.send(status);
      else knocker.expel("DENIED", "the hosts stopped letting people ask to join");
    }
  }

  participants(except?: ParticipantId): Participant[] {
    const list: Participant[] = [];
    for (const [id, member] of this.members) {
      if (id !== except && member.participant) list.push(member.participant);
    }
    return list;
  }

  broadcast(message: ServerMessage, except?: ParticipantId): void {
    for (const [id, member] of this.members) if (id !== except) member.send(message);
  }

  /** Carries out what the Delivery Service decided; the sender's refusal is the caller's. */
  deliver(outcome: Outcome): void {
    // Knocks a host's commit just added become participants before their Welcome goes out.
    for (const [id, knocker] of [...this.lobby]) {
      if (this.delivery.leafOf(id) !== null) knocker.promote();
    }
    for (const { to, message } of outcome.deliveries) {
      const member = this.members.get(to);
      if (member) member.send(message);
      else if (this.held.get(to)?.keep(message) === false) this.release(to);
    }
    // A held member the group removed has no place to come back to.
    for (const id of [...this.held.keys()]) {
      if (this.delivery.leafOf(id) === null) this.release(id);
    }
    for (const id of outcome.leafChanged) {
      const member = this.members.get(id);
      const participant = member?.participant;
      if (!member || !participant) continue;
      this.broadcast({ type: "participant-updated", participant }, id);
      // A new member hears of the knocks already waiting.
      if (participant.leaf !== null) {
        for (const [from, knocker] of this.lobby) {
          const name = knocker.knockName;
          if (name !== null) member.send({ type: "knock", from, name });
        }
      }
    }
    // After the commit that removed it went out to it: its client sees itself removed.
    for (const id of outcome.removed ?? []) {
      this.members.get(id)?.expel("REMOVED", "you were removed from the meeting");
    }
    this.followSettings();
    for (const id of outcome.disconnect) {
      this.members.get(id)?.expel("BAD_MLS", "your last commit could not be applied by the others");
    }
  }
}

/** All meetings on this server, created on first join and dropped when empty. */
export class Meetings {
  private readonly meetings = new Map<RoomId, Meeting>();

  get(id: RoomId): Meeting | undefined {
    return this.meetings.get(id);
  }

  getOrCreate(id: RoomId): Meeting {
    let meeting = this.meetings.get(id);
    if (!meeting) {
      meeting = new Meeting(id);
      this.meetings.set(id, meeting);
    }
    return meeting;
  }

  remove(id: RoomId, participantId: ParticipantId): void {
    const meeting = this.meetings.get(id);
    if (!meeting) return;
    meeting.members.delete(participantId);
    this.dropIfEmpty(meeting);
  }

  dropIfEmpty(meeting: Meeting): void {
    if (meeting.size === 0 && this.meetings.get(meeting.id) === meeting) {
      this.meetings.delete(meeting.id);
      for (const knocker of [...meeting.lobby.values()]) {
        knocker.expel("NOT_A_MEMBER", "everyone left the meeting");
      }
    }
  }

  get participantCount(): number {
    let n = 0;
    for (const meeting of this.meetings.values()) n += meeting.members.size;
    return n;
  }
}
