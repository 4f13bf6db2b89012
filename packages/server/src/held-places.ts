import type { GroupDelivery } from "@conclave/delivery-service";
import type { Participant, ParticipantId, RoomId } from "@conclave/protocol";
import type { Attendee } from "./attendee.ts";
import type { Tally } from "./capacity.ts";
import type { StoredPlace } from "./coordination/meeting-journal.ts";
import { DeliveryTail } from "./delivery-tail.ts";
import { HeldPlace, type Resumption } from "./held-place.ts";
import { type Logger, roomTag } from "./logger.ts";

/**
 * A meeting's held places (held-place.ts), one per member whose connection dropped, by participant
 * id: made when a member drops, taken back by its owner's resumption, given up when its window
 * passes, when it kept too much, or when a commit removed its leaf. The meeting (meeting.ts) owns
 * this collection and hears of every place given up, whose leaf is then for the members to remove.
 */
export interface HeldPlacesOptions {
  /** How long a dropped member's place waits for it to reconnect. */
  readonly reconnectWindowMs: number;
  /** The server's held-bytes tally (capacity.ts): every held place counts against it. */
  readonly heldBytes: Tally;
  readonly log: Logger;
}

export class HeldPlaces {
  private readonly places = new Map<ParticipantId, HeldPlace>();

  constructor(
    private readonly room: RoomId,
    private readonly options: HeldPlacesOptions,
    /** A place was given up (not taken back): told after it is gone. */
    private readonly released: (id: ParticipantId) => void,
  ) {}

  get size(): number {
    return this.places.size;
  }

  /**
   * The held place `resume` names, if its token opens it. A place that no longer keeps what its
   * owner missed is given up: the owner joins afresh, and the members remove the old leaf.
   */
  resumption(resume: {
    participantId: ParticipantId;
    token: string;
    received: number;
    keepsMedia?: boolean | undefined;
  }): Resumption | undefined {
    const place = this.places.get(resume.participantId);
    if (!place?.opens(resume.token)) return undefined;
    if (place.covers(resume.received)) {
      return { place, received: resume.received, keepsMedia: resume.keepsMedia === true };
    }
    this.release(resume.participantId);
    return undefined;
  }

  /** Its owner took the place back: it is held no longer. */
  taken(place: HeldPlace): void {
    this.places.delete(place.participant.id);
  }

  /** Holds the place of a member whose connection dropped, for the reconnection window. */
  hold(attendee: Attendee): void {
    const { state, resumeDigest, tail, connection } = attendee;
    this.holdFor(state, resumeDigest, tail, connection.address);
  }

  /**
   * Holds a place for a knock a host admitted while its connection was away (lobby.ts): opened
   * by its knock resume token (`digest`), for the reconnection window from now. What the group
   * sends it meanwhile, its Welcome first, is kept for it as for a member who dropped.
   */
  holdAdmitted(participant: Omit<Participant, "leaf">, digest: Buffer, address: string): void {
    this.holdFor(participant, digest, new DeliveryTail(), address);
  }

  /**
   * The meeting was taken over from a node that died (meetings.ts): every member's place is held
   * until it comes back, and what the group sends it meanwhile is kept, as for a member who
   * dropped here. Places of participants without a leaf are not: they join afresh. Returns the
   * places it holds.
   */
  takeOver(places: readonly StoredPlace[], delivery: GroupDelivery): StoredPlace[] {
    const held = places.filter((place) => delivery.leafOf(place.id) !== null);
    for (const place of held) {
      this.restore(place);
      delivery.connect(place.id);
    }
    return held;
  }

  /** Everything a taken-over place's log holds is in its tail: its owner may have any of it. */
  private restore(stored: StoredPlace): void {
    const { id, audio, video, digest, base, log } = stored;
    const tail = new DeliveryTail(base, { messages: log.length, bytes: Number.POSITIVE_INFINITY });
    for (const text of log) tail.push(text);
    // Its owner's address is not known until it comes back; what it keeps counts under this one.
    this.holdFor({ id, audio, video }, digest, tail, "taken-over");
  }

  /**
   * Holds `participant`'s place for the reconnection window, opened by the token whose digest is
   * `digest`; what it keeps counts against `address`'s share of the held bytes.
   */
  private holdFor(
    participant: Omit<Participant, "leaf">,
    digest: Buffer,
    tail: DeliveryTail,
    address: string,
  ): void {
    const { id } = participant;
    const budget = { tally: this.options.heldBytes, address };
    const window = this.options.reconnectWindowMs;
    this.places.set(
      id,
      new HeldPlace(participant, digest, tail, budget, window, () => this.release(id)),
    );
  }

  /** Keeps a message, already encoded, for `id`'s place if one is held; too much, and it is given up. */
  keep(id: ParticipantId, encoded: string): void {
    if (this.places.get(id)?.keep(encoded) === false) this.giveUp(id);
  }

  /** Gives up the places whose leaf a commit removed (`inGroup` says whose is left). */
  releaseRemoved(inGroup: (id: ParticipantId) => boolean): void {
    for (const id of [...this.places.keys()]) {
      if (!inGroup(id)) this.release(id);
    }
  }

  /** Closes every place, told to nobody: the meeting is closing. */
  close(): void {
    for (const place of this.places.values()) place.close();
    this.places.clear();
  }

  /** Gives up a held place: its leaf is for the members to remove now. */
  private release(id: ParticipantId): void {
    const place = this.places.get(id);
    if (!place) return;
    place.close();
    this.places.delete(id);
    this.released(id);
  }

  /** A held place that kept too much is given up; why goes to the log, for the operator. */
  private giveUp(id: ParticipantId): void {
    const why = this.places.get(id)?.overflow;
    if (why !== "place") {
      this.options.log.warn(
        { room: roomTag(this.room), cap: why },
        "held place over the held-bytes cap",
      );
    }
    this.release(id);
  }
}
