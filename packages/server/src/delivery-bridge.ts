import type { Outcome } from "@conclave/delivery-service";
import type { MlsServerMessage, ParticipantId } from "@conclave/protocol";

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
