// What the server says about connections, and what commit duty makes of it (docs/e2ee.md "Who
// commits"). The server's participant list is used only to decide *who commits* and *which leaves
// to remove*; names and membership shown to people come from the MLS roster.
//
// A leaf is due for removal when:
//   - its member said goodbye (a signed `goodbye` application message, member/app-message.ts): at
//     once. Only the member's own word counts: a server's "left" alone is taken as a dropped
//     connection, so a server cannot eject a connected member (or its host) by saying it left;
//   - its participant dropped or, by the server's word alone, left: after the reconnection window;
//   - no participant claims it (a rejoin left it behind, or the Add's uploader went away): after
//     the reconnection window from when we first saw it unclaimed.
// Records are keyed by leaf *and* fingerprint, so a leaf that a later Add refilled is not removed
// for what its previous holder did. A dropped participant is forgotten once the leaf it held is
// gone: the server holds its place no longer, and it must neither claim a refilled leaf nor look
// like a participant outside the group.
import type { Roster, RosterEntry } from "../mls/roster.ts";
import { toHex } from "../sframe/bytes.ts";

interface ParticipantState {
  leaf: number | null;
  disconnectedAt: number | undefined;
  /** while dropped: the leaf:fingerprint it held */
  heldKey: string | undefined;
}

export interface DueRemovals {
  readonly leaves: readonly number[];
  /** when the earliest due leaf became due (for failover timing) */
  readonly since: number | undefined;
  /** when the next not-yet-due leaf becomes due */
  readonly nextAt: number | undefined;
}

const keyOf = (entry: RosterEntry) => `${entry.leafIndex}:${toHex(entry.fingerprint)}`;

export class Participants {
  readonly #byId = new Map<string, ParticipantState>();
  /** leaf:fingerprint → when its member said goodbye: due at once */
  readonly #left = new Map<string, number>();
  /** leaf:fingerprint → when we first saw it with no participant */
  readonly #unclaimedSince = new Map<string, number>();

  reset(list: readonly { readonly id: string; readonly leaf: number | null }[]): void {
    this.#byId.clear();
    for (const p of list) this.upsert(p.id, p.leaf);
  }

  upsert(id: string, leaf: number | null): void {
    this.#byId.set(id, { leaf, disconnectedAt: undefined, heldKey: undefined });
  }

  /**
   * Every participant the server announces as connected, in the order it announced them, with its
   * leaf. A dropped one is left out: it receives nothing while it is away.
   */
  announced(): Array<{ readonly id: string; readonly leaf: number | null }> {
    return [...this.#byId]
      .filter(([, state]) => state.disconnectedAt === undefined)
      .map(([id, state]) => ({ id, leaf: state.leaf }));
  }

  leafOf(id: string): number | null | undefined {
    return this.#byId.get(id)?.leaf;
  }

  /** The member at `entry` said goodbye, signed by its leaf: its leaf is due at once. */
  goodbye(entry: RosterEntry, now: number): void {
    this.#left.set(keyOf(entry), now);
  }

  /**
   * The server says `id` left or dropped; `roster` is ours now. Either way a member's leaf waits
   * out the reconnection window, unless its member said goodbye (`goodbye`).
   */
  left(
    id: string,
    _reason: "left" | "disconnected",
    now: number,
    roster: Roster | undefined,
  ): void {
    const state = this.#byId.get(id);
    if (state === undefined) return;
    // The server holds a dropped participant's place only while it has a leaf (server session.ts).
    // One without (a joiner gone before its Add, a member its removal expelled) is gone for good;
    // kept here, it would raise the unknown-participant alarm 10 s later.
    const entry = roster?.find((e) => e.leafIndex === state.leaf);
    if (state.leaf !== null && entry !== undefined && !this.#left.has(keyOf(entry))) {
      state.disconnectedAt = now;
      state.heldKey = keyOf(entry);
      return;
    }
    this.#byId.delete(id);
  }

  /** Leaves of participants that dropped (or the server says left) and may come back. */
  heldLeaves(): Set<number> {
    const held = new Set<number>();
    for (const state of this.#byId.values()) {
      if (state.disconnectedAt !== undefined && state.leaf !== null) held.add(state.leaf);
    }
    return held;
  }

  /** Forgets dropped participants whose leaf is gone from `roster` (removed, maybe refilled). */
  #forgetGone(roster: Roster): void {
    const live = new Set(roster.map(keyOf));
    for (const [id, state] of [...this.#byId]) {
      if (state.heldKey !== undefined && !live.has(state.heldKey)) this.#byId.delete(id);
    }
  }

  #claimant(leaf: number): ParticipantState | undefined {
    for (const state of this.#byId.values()) if (state.leaf === leaf) return state;
    return undefined;
  }

  /** Leaves whose participant is connected, ours included, ascending: the commit duty order. */
  connectedLeaves(roster: Roster, ownLeaf: number): number[] {
    this.#forgetGone(roster);
    return roster
      .map((e) => e.leafIndex)
      .filter((leaf) => {
        if (leaf === ownLeaf) return true;
        const claimant = this.#claimant(leaf);
        return claimant !== undefined && claimant.disconnectedAt === undefined;
      });
  }

  dueRemovals(roster: Roster, ownLeaf: number, now: number, windowMs: number): DueRemovals {
    this.#forgetGone(roster);
    const leaves: number[] = [];
    let since: number | undefined;
    let nextAt: number | undefined;
    const live = new Set<string>();
    for (const entry of roster) {
      if (entry.leafIndex === ownLeaf) continue;
      const key = keyOf(entry);
      live.add(key);
      let dueAt: number | undefined;
      const leftAt = this.#left.get(key);
      const claimant = this.#claimant(entry.leafIndex);
      if (leftAt !== undefined) dueAt = leftAt;
      else if (claimant !== undefined) {
        this.#unclaimedSince.delete(key);
        if (claimant.disconnectedAt !== undefined) dueAt = claimant.disconnectedAt + windowMs;
      } else {
        const first = this.#unclaimedSince.get(key) ?? now;
        this.#unclaimedSince.set(key, first);
        dueAt = first + windowMs;
      }
      if (dueAt === undefined) continue;
      if (dueAt <= now) {
        leaves.push(entry.leafIndex);
        since = since === undefined ? dueAt : Math.min(since, dueAt);
      } else nextAt = nextAt === undefined ? dueAt : Math.min(nextAt, dueAt);
    }
    for (const key of [...this.#left.keys()]) if (!live.has(key)) this.#left.delete(key);
    for (const key of [...this.#unclaimedSince.keys()])
      if (!live.has(key)) this.#unclaimedSince.delete(key);
    return { leaves, since, nextAt };
  }
}
