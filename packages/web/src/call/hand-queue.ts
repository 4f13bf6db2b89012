import type { RosterEntry } from "../worker/reports.ts";

/** A raised hand as its member said it: the leaf, the key that held it then, and since when. */
export interface RaisedHand {
  readonly leaf: number;
  /** A later occupant of the same leaf is someone else: their hand is not this one. */
  readonly fingerprint: string;
  /** ms since 1970 on the raiser's clock */
  readonly at: number;
}

/** One entry of the queue everyone sees. */
export interface QueuedHand {
  readonly key: string;
  /** From the MLS roster (the member's signed hello); "You" for our own hand. */
  readonly name: string;
  /** The member's leaf; null for our own hand while we hold no leaf. */
  readonly leaf: number | null;
  readonly self: boolean;
  readonly at: number;
}

/** The hands whose member is still in the group on the same key. */
export function handsOfMembers(
  hands: ReadonlyMap<number, RaisedHand>,
  roster: readonly RosterEntry[],
): Map<number, RaisedHand> {
  const kept = new Map<number, RaisedHand>();
  for (const [leaf, hand] of hands) {
    const member = roster.find((r) => r.leaf === leaf);
    if (member && !member.self && member.fingerprint === hand.fingerprint) kept.set(leaf, hand);
  }
  return kept;
}

/**
 * The queue in raise order: by the time each raiser stated, then by leaf, so every participant
 * orders the same hands the same way. A member could state an earlier time than the truth to move
 * up; the queue is a courtesy, not a right, and hosts will be able to lower hands.
 */
export function orderHands(
  hands: ReadonlyMap<number, RaisedHand>,
  own: { readonly leaf: number | null; readonly at: number | null },
  roster: readonly RosterEntry[],
): QueuedHand[] {
  const queue: QueuedHand[] = [];
  for (const hand of hands.values()) {
    const name = roster.find((r) => r.leaf === hand.leaf)?.name ?? "";
    queue.push({
      key: `${hand.leaf}/${hand.fingerprint}`,
      name,
      leaf: hand.leaf,
      self: false,
      at: hand.at,
    });
  }
  if (own.at !== null) {
    queue.push({ key: "self", name: "You", leaf: own.leaf, self: true, at: own.at });
  }
  const leafOrder = (h: QueuedHand) => h.leaf ?? Number.MAX_SAFE_INTEGER;
  return queue.sort((a, b) => a.at - b.at || leafOrder(a) - leafOrder(b));
}
