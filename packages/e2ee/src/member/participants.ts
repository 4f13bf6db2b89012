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
//
// A value: every function returns a new record and leaves the one it got as it was.
import type { Roster, RosterEntry } from "../mls/roster.ts";
import { toHex } from "../sframe/bytes.ts";

export interface ParticipantRecord {
  readonly leaf: number | null;
  readonly disconnectedAt: number | undefined;
  /** while dropped: the leaf:fingerprint it held */
  readonly heldKey: string | undefined;
}

export interface Participants {
  /** in the order the server announced them */
  readonly byId: ReadonlyMap<string, ParticipantRecord>;
  /** leaf:fingerprint → when its member said goodbye: due at once */
  readonly left: ReadonlyMap<string, number>;
  /** leaf:fingerprint → when we first saw it with no participant */
  readonly unclaimedSince: ReadonlyMap<string, number>;
}

export interface DueRemovals {
  readonly leaves: readonly number[];
  /** when the earliest due leaf became due (for failover timing) */
  readonly since: number | undefined;
  /** when the next not-yet-due leaf becomes due */
  readonly nextAt: number | undefined;
}

export const NO_PARTICIPANTS: Participants = {
  byId: new Map(),
  left: new Map(),
  unclaimedSince: new Map(),
};

const keyOf = (entry: RosterEntry) => `${entry.leafIndex}:${toHex(entry.fingerprint)}`;

/** The server's list as `welcome` or `admitted` gives it; what we knew of others is dropped. */
export function resetParticipants(
  p: Participants,
  list: readonly { readonly id: string; readonly leaf: number | null }[],
): Participants {
  const cleared: Participants = { ...p, byId: new Map() };
  return list.reduce<Participants>(
    (next, { id, leaf }) => upsertParticipant(next, id, leaf),
    cleared,
  );
}

export function upsertParticipant(p: Participants, id: string, leaf: number | null): Participants {
  const byId = new Map(p.byId);
  byId.set(id, { leaf, disconnectedAt: undefined, heldKey: undefined });
  return { ...p, byId };
}

/**
 * Every participant the server announces as connected, in the order it announced them, with its
 * leaf. A dropped one is left out: it receives nothing while it is away.
 */
export function announced(
  p: Participants,
): Array<{ readonly id: string; readonly leaf: number | null }> {
  return [...p.byId]
    .filter(([, record]) => record.disconnectedAt === undefined)
    .map(([id, record]) => ({ id, leaf: record.leaf }));
}

/** The member at `entry` said goodbye, signed by its leaf: its leaf is due at once. */
export function participantGoodbye(p: Participants, entry: RosterEntry, now: number): Participants {
  return { ...p, left: new Map(p.left).set(keyOf(entry), now) };
}

/**
 * The server says `id` left or dropped; `roster` is ours now. Either way a member's leaf waits out
 * the reconnection window, unless its member said goodbye (`participantGoodbye`): the reason is
 * the server's word, and a server that calls a connected member "left" must not get it removed.
 */
export function participantLeft(
  p: Participants,
  id: string,
  now: number,
  roster: Roster | undefined,
): Participants {
  const record = p.byId.get(id);
  if (record === undefined) return p;
  const byId = new Map(p.byId);
  // The server holds a dropped participant's place only while it has a leaf (server session.ts).
  // One without (a joiner gone before its Add, a member its removal expelled) is gone for good;
  // kept here, it would raise the unknown-participant alarm 10 s later.
  const entry = roster?.find((e) => e.leafIndex === record.leaf);
  if (record.leaf !== null && entry !== undefined && !p.left.has(keyOf(entry))) {
    byId.set(id, { ...record, disconnectedAt: now, heldKey: keyOf(entry) });
    return { ...p, byId };
  }
  byId.delete(id);
  return { ...p, byId };
}

/**
 * A new epoch in which `leaves` changed hands (removed, or refilled from a KeyPackage: roster-view
 * rosterDiff): what their previous holders said or did is forgotten. Commit duty prunes it too,
 * but only when it looks, and it does not while a commit of ours is in flight; a device back in
 * its own leaf (a person who left and rejoined) has the same leaf:fingerprint key, and would be
 * removed for its earlier goodbye or drop.
 */
export function leavesChangedHands(p: Participants, leaves: readonly number[]): Participants {
  if (leaves.length === 0) return p;
  const changed = new Set(leaves);
  const kept = (key: string) => !changed.has(Number(key.slice(0, key.indexOf(":"))));
  const byId = new Map([...p.byId].filter(([, r]) => r.heldKey === undefined || kept(r.heldKey)));
  return {
    byId,
    left: new Map([...p.left].filter(([key]) => kept(key))),
    unclaimedSince: new Map([...p.unclaimedSince].filter(([key]) => kept(key))),
  };
}

/** Leaves of participants that dropped (or the server says left) and may come back. */
export function heldLeaves(p: Participants): Set<number> {
  const held = new Set<number>();
  for (const record of p.byId.values()) {
    if (record.disconnectedAt !== undefined && record.leaf !== null) held.add(record.leaf);
  }
  return held;
}

/** Forgets dropped participants whose leaf is gone from `roster` (removed, maybe refilled). */
function forgetGone(p: Participants, roster: Roster): Participants {
  const live = new Set(roster.map(keyOf));
  const gone = [...p.byId].filter(([, r]) => r.heldKey !== undefined && !live.has(r.heldKey));
  if (gone.length === 0) return p;
  const byId = new Map(p.byId);
  for (const [id] of gone) byId.delete(id);
  return { ...p, byId };
}

function claimant(p: Participants, leaf: number): ParticipantRecord | undefined {
  for (const record of p.byId.values()) if (record.leaf === leaf) return record;
  return undefined;
}

/** Leaves whose participant is connected, ours included, ascending: the commit duty order. */
export function connectedLeaves(p: Participants, roster: Roster, ownLeaf: number): number[] {
  const known = forgetGone(p, roster);
  return roster
    .map((e) => e.leafIndex)
    .filter((leaf) => {
      if (leaf === ownLeaf) return true;
      const record = claimant(known, leaf);
      return record !== undefined && record.disconnectedAt === undefined;
    });
}

/** When the leaf of `entry` is due for removal, if it is at all. */
function dueAtOf(p: Participants, entry: RosterEntry, first: number, windowMs: number) {
  const leftAt = p.left.get(keyOf(entry));
  if (leftAt !== undefined) return leftAt;
  const record = claimant(p, entry.leafIndex);
  if (record === undefined) return first + windowMs;
  return record.disconnectedAt === undefined ? undefined : record.disconnectedAt + windowMs;
}

/** The leaves due for removal now; the record that comes back remembers unclaimed leaves. */
export function dueRemovals(
  before: Participants,
  roster: Roster,
  ownLeaf: number,
  now: number,
  windowMs: number,
): { readonly participants: Participants; readonly due: DueRemovals } {
  const p = forgetGone(before, roster);
  const leaves: number[] = [];
  let since: number | undefined;
  let nextAt: number | undefined;
  const unclaimedSince = new Map<string, number>();
  const others = roster.filter((entry) => entry.leafIndex !== ownLeaf);
  for (const entry of others) {
    const key = keyOf(entry);
    const first = p.unclaimedSince.get(key) ?? now;
    if (!p.left.has(key) && claimant(p, entry.leafIndex) === undefined) {
      unclaimedSince.set(key, first);
    }
    const dueAt = dueAtOf(p, entry, first, windowMs);
    if (dueAt === undefined) continue;
    if (dueAt <= now) {
      leaves.push(entry.leafIndex);
      since = since === undefined ? dueAt : Math.min(since, dueAt);
    } else nextAt = nextAt === undefined ? dueAt : Math.min(nextAt, dueAt);
  }
  const live = new Set(others.map(keyOf));
  const left = new Map([...p.left].filter(([key]) => live.has(key)));
  return { participants: { ...p, left, unclaimedSince }, due: { leaves, since, nextAt } };
}
