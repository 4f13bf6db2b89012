import type { Delivery, DeliverySnapshot } from "@conclave/delivery-service";
import type { Participant, ParticipantId } from "@conclave/protocol";
import type { Connection } from "./attendee.ts";
import type { MeetingJournal, PlaceChange, StoredMeeting } from "./coordination/meeting-journal.ts";
import type { MeetingOwnership } from "./coordination/meeting-ownership.ts";
import { encoded } from "./encoded-message.ts";
import type { Logger } from "./logger.ts";
import { Outbox } from "./outbox.ts";

/** The meeting's state as written: the Delivery Service's and the link in force. */
export interface RecordState {
  readonly delivery: DeliverySnapshot | null;
  readonly link: string | null;
}

/**
 * Where a meeting writes what another node needs to carry it on (docs/architecture.md "Many
 * machines"), when several machines share Redis; a meeting on one machine alone has none. The
 * meeting (meeting.ts) tells it every change, and sends to its connections through `connect`, so
 * that nothing reaches a client before what it depends on is written.
 */
export interface MeetingRecord {
  /** What Redis held when this node took the meeting over; null for a meeting opened here. */
  readonly restored: StoredMeeting | null;
  /** The connection as the meeting uses it: what it is sent waits for the writes before it. */
  connect(connection: Connection): Connection;
  /**
   * Seated with a fresh resume token (`digest`); `fresh`: a new place, not one taken back;
   * `redeemed`: digests of the tokens its place already redeemed (refused if presented again).
   */
  seated(
    participant: Omit<Participant, "leaf">,
    digest: Buffer,
    fresh: boolean,
    redeemed: readonly Buffer[],
  ): void;
  /** The Delivery Service took a message: its new state, and what it sends whom. */
  delivered(state: RecordState, deliveries: readonly Delivery[]): void;
  /** Its microphone or camera changed. */
  updated(participant: Omit<Participant, "leaf">): void;
  /** The link in force changed. */
  changed(state: RecordState): void;
  /** A place is gone for good (left, removed, given up). */
  gone(id: ParticipantId): void;
  /** A knock waits in the lobby since `since`, with a new knock resume token (`digest`). */
  knocked(id: ParticipantId, digest: Buffer, since: number): void;
  /** The knock waits no more: admitted, denied, or gone. */
  unknocked(id: ParticipantId): void;
  /** The meeting ended here: forgotten in Redis, lease released. */
  close(): void;
  /**
   * The meeting moves to another node (a drain): every write queued is finished, then the lease
   * released with the record kept for the next owner. Nothing is written after.
   */
  handOff(): Promise<void>;
}

/** A meeting's record in Redis, written under its lease's fencing token. */
export class FencedRecord implements MeetingRecord {
  private readonly outbox: Outbox;
  /** The first write of a meeting opened here clears places left from an earlier one. */
  private fresh: boolean;

  constructor(
    readonly restored: StoredMeeting | null,
    private readonly journal: MeetingJournal,
    private readonly ownership: MeetingOwnership,
    private readonly log: Logger,
  ) {
    this.fresh = restored === null;
    this.outbox = new Outbox(
      (error) =>
        ownership.lose(error === null ? "a write was refused" : `a write failed: ${String(error)}`),
      (err) => log.error({ err }, "a queued send failed"),
    );
  }

  connect(connection: Connection): Connection {
    return this.outbox.connection(connection);
  }

  seated(
    participant: Omit<Participant, "leaf">,
    digest: Buffer,
    fresh: boolean,
    redeemed: readonly Buffer[],
  ): void {
    const { id, audio, video } = participant;
    this.write(null, [{ kind: "seat", id, audio, video, digest, fresh, redeemed }]);
  }

  delivered(state: RecordState, deliveries: readonly Delivery[]): void {
    const appends = deliveries.map(
      ({ to, message }): PlaceChange => ({ kind: "append", id: to, text: encoded(message) }),
    );
    this.write(state, appends);
  }

  updated({ id, audio, video }: Omit<Participant, "leaf">): void {
    this.write(null, [{ kind: "media", id, audio, video }]);
  }

  changed(state: RecordState): void {
    this.write(state, []);
  }

  gone(id: ParticipantId): void {
    this.write(null, [{ kind: "drop", id }]);
  }

  knocked(id: ParticipantId, digest: Buffer, since: number): void {
    this.write(null, [{ kind: "knock", id, digest, since }]);
  }

  unknocked(id: ParticipantId): void {
    this.write(null, [{ kind: "unknock", id }]);
  }

  close(): void {
    this.ownership.release().catch((err: unknown) => {
      this.log.warn({ err }, "could not release a meeting's lease; it runs out by itself");
    });
  }

  async handOff(): Promise<void> {
    if (await this.outbox.finish()) await this.ownership.handOff();
  }

  private write(state: RecordState | null, changes: readonly PlaceChange[]): void {
    const reset = this.fresh;
    this.fresh = false;
    this.outbox.write(
      async () => this.ownership.valid && (await this.journal.write(state, changes, reset)),
    );
  }
}
