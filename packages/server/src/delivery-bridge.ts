import type { GroupDelivery, Outcome } from "@conclave/delivery-service";
import type { MlsServerMessage, ParticipantId } from "@conclave/protocol";
import type { Attendee, CloseCode } from "./attendee.ts";
import { encoded } from "./encoded-message.ts";
import type { HeldPlaces } from "./held-places.ts";
import type { Knock, Lobby } from "./lobby.ts";

/** One thing the meeting does to carry out an Outcome. */
export type DeliveryStep =
  /** Seat the knocks a host's commit just gave a leaf, before their Welcome goes out. */
  | { readonly kind: "seat-admitted" }
  /** To a connected participant, or kept in its held place. */
  | { readonly kind: "send"; readonly to: ParticipantId; readonly message: MlsServerMessage }
  /** Give up the held places of members the group removed: nothing to come back to. */
  | { readonly kind: "release-removed" }
  /** Its leaf changed: tell the others, and a new member hears of the knocks waiting. */
  | { readonly kind: "leaf-changed"; readonly id: ParticipantId }
  | {
      readonly kind: "close";
      readonly id: ParticipantId;
      readonly code: "REMOVED" | "BAD_MLS";
      readonly message: string;
    }
  /** Lock, lobby or knocking may have changed: tell those waiting. */
  | { readonly kind: "follow-settings" };

/**
 * What the meeting does with the Delivery Service's decision, in order: the bridge between the
 * Delivery Service (which decides who gets what, and knows only participant ids) and the meeting's
 * connections, held places and lobby. A removed member is closed after the commit that removed it
 * went out to it, so its client sees itself removed; the sender's refusal is its session's to send.
 */
export function deliverySteps(outcome: Outcome): DeliveryStep[] {
  return [
    { kind: "seat-admitted" },
    ...outcome.deliveries.map(({ to, message }) => ({ kind: "send", to, message }) as const),
    { kind: "release-removed" },
    ...outcome.leafChanged.map((id) => ({ kind: "leaf-changed", id }) as const),
    ...(outcome.removed ?? []).map(
      (id) =>
        ({
          kind: "close",
          id,
          code: "REMOVED",
          message: "you were removed from the meeting",
        }) as const,
    ),
    { kind: "follow-settings" },
    ...outcome.disconnect.map(
      (id) =>
        ({
          kind: "close",
          id,
          code: "BAD_MLS",
          message: "your last commit could not be applied by the others",
        }) as const,
    ),
  ];
}

/** What carrying out a step needs of the meeting (meeting.ts), which owns all of it. */
export interface DeliveryEnds {
  readonly delivery: GroupDelivery;
  readonly lobby: Lobby;
  readonly held: HeldPlaces;
  /** The connected participant `id`, if any. */
  attendee(id: ParticipantId): Attendee | undefined;
  /**
   * A host's commit gave a knock a leaf: it becomes a participant, or, away, gets a held place;
   * its Welcome follows.
   */
  admit(knock: Knock): void;
  /** Tells the others the attendee changed (its leaf, here). */
  announce(attendee: Attendee): void;
  expel(id: ParticipantId, code: CloseCode, message: string): void;
  /** Tells those still waiting when lock or lobby changed. */
  followSettings(): void;
}

/**
 * Does one step to the meeting's attendees, held places and lobby: the shell that performs what
 * the Delivery Service decided, so the meeting itself only lends what the steps act on.
 */
export function carryOut(step: DeliveryStep, ends: DeliveryEnds): void {
  switch (step.kind) {
    case "seat-admitted":
      for (const knock of ends.lobby.takeAdmitted()) ends.admit(knock);
      return;
    case "send": {
      const attendee = ends.attendee(step.to);
      const text = encoded(step.message);
      if (attendee) attendee.deliver(step.message, text);
      else ends.held.keep(step.to, text);
      return;
    }
    case "release-removed":
      ends.held.releaseRemoved((id) => ends.delivery.leafOf(id) !== null);
      return;
    case "leaf-changed": {
      const attendee = ends.attendee(step.id);
      if (!attendee) return;
      ends.announce(attendee);
      if (ends.delivery.leafOf(step.id) !== null) ends.lobby.announceTo((m) => attendee.send(m));
      return;
    }
    case "close":
      ends.expel(step.id, step.code, step.message);
      return;
    case "follow-settings":
      ends.followSettings();
      return;
  }
}
