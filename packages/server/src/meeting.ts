import type { Participant, ParticipantId, RoomId, ServerMessage } from "@conclave/protocol";

/** What the signalling side holds for one connected participant. */
export interface Member {
  readonly participant: Participant | null;
  send(message: ServerMessage): void;
}

/** The signalling view of one room: who is in it, and how to tell them. */
export class Meeting {
  readonly members = new Map<ParticipantId, Member>();

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
