import type { ParticipantId, ServerMessage } from "@conclave/protocol";

/** A knock as a host's page lists it: its claimed name, and whether its connection is away. */
export interface KnockCard {
  readonly id: ParticipantId;
  readonly name: string;
  readonly away: boolean;
}

type KnockMessage = Extract<
  ServerMessage,
  { type: "knock" | "knock-away" | "knock-ended" | "knocks-waiting" }
>;

/**
 * The knocks waiting in the lobby as a host's page lists them (packages/web/src/call/
 * host-controls.ts): in the order the server first told of each (`knock` again for one already
 * listed keeps its place) until its `knock-ended`, across reconnections (where `knocks-waiting`
 * says which are still waiting); `away` from its `knock-away` until its `knock` again.
 */
export class KnockCards {
  private cards: KnockCard[] = [];

  get list(): readonly KnockCard[] {
    return this.cards;
  }

  apply(message: KnockMessage): void {
    if (message.type === "knocks-waiting") {
      this.cards = this.cards.filter((k) => message.waiting.includes(k.id));
      return;
    }
    const { from } = message;
    switch (message.type) {
      case "knock": {
        const back = { id: from, name: message.name, away: false };
        this.cards = this.cards.some((k) => k.id === from)
          ? this.cards.map((k) => (k.id === from ? back : k))
          : [...this.cards, back];
        return;
      }
      case "knock-away":
        this.cards = this.cards.map((k) => (k.id === from ? { ...k, away: true } : k));
        return;
      case "knock-ended":
        this.cards = this.cards.filter((k) => k.id !== from);
        return;
    }
  }
}
