import type { GroupDelivery } from "@conclave/delivery-service";
import type { Participant, ParticipantId, ServerMessage } from "@conclave/protocol";
import type { Attendee } from "./attendee.ts";

/**
 * A meeting's attendees (attendee.ts), its connected participants by id, and who hears what: what
 * the server lists of each (its microphone, camera and the leaf its Delivery Service follows),
 * everyone or only the members holding a leaf (the only ones told about knocks). The meeting
 * (meeting.ts) seats and lets go of them; like its held places (held-places.ts), it owns this
 * collection.
 */
export class MeetingRoster {
  private readonly byId = new Map<ParticipantId, Attendee>();

  constructor(private readonly delivery: GroupDelivery) {}

  get size(): number {
    return this.byId.size;
  }

  get(id: ParticipantId): Attendee | undefined {
    return this.byId.get(id);
  }

  has(id: ParticipantId): boolean {
    return this.byId.has(id);
  }

  values(): IterableIterator<Attendee> {
    return this.byId.values();
  }

  /** Lists a seated attendee; the others hear of it. */
  enter(attendee: Attendee): void {
    this.byId.set(attendee.id, attendee);
    this.broadcast(
      { type: "participant-joined", participant: this.participant(attendee) },
      attendee.id,
    );
  }

  /** No longer lists `attendee`; false if it is not the one listed under its id. */
  remove(attendee: Attendee): boolean {
    if (this.byId.get(attendee.id) !== attendee) return false;
    return this.byId.delete(attendee.id);
  }

  /** Lists nobody (the meeting ended, or left this node). */
  clear(): void {
    this.byId.clear();
  }

  participant(attendee: Attendee): Participant {
    return { ...attendee.state, leaf: this.delivery.leafOf(attendee.id) };
  }

  participants(): Participant[] {
    return [...this.byId.values()].map((a) => this.participant(a));
  }

  /** The others hear how the attendee is now. */
  announce(attendee: Attendee): void {
    this.broadcast(
      { type: "participant-updated", participant: this.participant(attendee) },
      attendee.id,
    );
  }

  broadcast(message: ServerMessage, except?: ParticipantId): void {
    for (const [id, attendee] of this.byId) if (id !== except) attendee.send(message);
  }

  /** Participants who hold a leaf: the only ones told about knocks. */
  tellMembers(message: ServerMessage): void {
    for (const attendee of this.byId.values()) {
      if (this.delivery.leafOf(attendee.id) !== null) attendee.send(message);
    }
  }
}
