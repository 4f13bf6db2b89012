import { GroupDelivery, type Outcome } from "@conclave/delivery-service";
import type { Participant, ParticipantId, RoomId, ServerMessage } from "@conclave/protocol";
import type { HeldPlace } from "./held-place.ts";

/** What the signalling side holds for one connected participant. */
export interface Member {
  readonly participant: Participant | null;
  send(message: ServerMessage): void;
  /** Closes the connection with an error the client shows. */
  expel(code: "BAD_MLS" | "NOT_A_MEMBER", message: string): void;
  /**
   * A new connection of the same client presents `token`: if it is this connection's, drop this
   * one as disconnected (its place is then held for the new one) and say true.
   */
  handOver(token: string): boolean;
}

/** The signalling view of one room: who is in it, and how to tell them. */
export class Meeting {
  readonly members = new Map<ParticipantId, Member>();
  /** Places of members whose connection dropped, kept for the reconnection window. */
  readonly held = new Map<ParticipantId, HeldPlace>();
  /** The room's MLS Delivery Service: it orders commits and follows the roster, with no key. */
  readonly delivery = new GroupDelivery();

  constructor(readonly id: RoomId) {}

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
      const participant = this.members.get(id)?.participant;
      if (participant) this.broadcast({ type: "participant-updated", participant }, id);
    }
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
    }
  }

  get participantCount(): number {
    let n = 0;
    for (const meeting of this.meetings.values()) n += meeting.members.size;
    return n;
  }
}
