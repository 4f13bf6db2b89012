import { GroupDelivery, type Outcome } from "@conclave/delivery-service";
import type { Participant, ParticipantId, RoomId, ServerMessage } from "@conclave/protocol";

/** What the signalling side holds for one connected participant. */
export interface Member {
  readonly participant: Participant | null;
  send(message: ServerMessage): void;
  /** Closes the connection with an error the client shows. */
  expel(code: "BAD_MLS" | "NOT_A_MEMBER", message: string): void;
}

/** The signalling view of one room: who is in it, and how to tell them. */
export class Meeting {
  readonly members = new Map<ParticipantId, Member>();
  /** The room's MLS Delivery Service: it orders commits and follows the roster, with no key. */
  readonly delivery = new GroupDelivery();

  constructor(readonly id: RoomId) {}

  get size(): number {
    return this.members.size;
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
    for (const { to, message } of outcome.deliveries) this.members.get(to)?.send(message);
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
    if (meeting.size === 0) this.meetings.delete(id);
  }

  get participantCount(): number {
    let n = 0;
    for (const meeting of this.meetings.values()) n += meeting.size;
    return n;
  }
}
