// The unknown-participant alarm (docs/e2ee.md "Alarms"): the server announces participants, the
// MLS roster says who holds keys. A participant the server keeps announcing for longer than the
// grace (default 10 s) without a leaf of its own in our roster is someone connected to the meeting
// who is not in the encrypted group: it cannot decrypt, but people must not think they know who is
// there when they do not. Ordinary joiners are added within seconds, so they never count; knocks
// are not announced as participants; an upload waiting for a host's `admit` is shown as waiting
// (with its fingerprint) instead, so it does not count either.
//
// "Its own leaf": the leaf the server says it holds must be in the roster, and not claimed by a
// participant announced before it (two participants on one leaf: the later one is unknown).
//
// Pure: the caller passes the lists, the time and what the last check left, and reads what was
// raised and cleared, and what to keep for the next check.

export const DEFAULT_UNKNOWN_GRACE_MS = 10_000;

export interface AnnouncedParticipant {
  readonly id: string;
  /** the leaf the server says it holds; null before it is added */
  readonly leaf: number | null;
}

export interface UnknownChange {
  /** ids that became unknown now (past the grace), in announcement order */
  readonly raised: readonly string[];
  /** ids that were unknown and now hold a leaf, wait for a host, or are gone */
  readonly cleared: readonly string[];
  /** when the next id passes the grace, if one is waiting */
  readonly nextAt: number | undefined;
}

/** What the alarm remembers between checks. A value: `checkUnknown` returns a new one. */
export interface UnknownWatch {
  /** id → when we first saw it without a leaf of its own */
  readonly since: ReadonlyMap<string, number>;
  /** ids with a raised alarm, in the order they were raised */
  readonly raised: readonly string[];
}

export const NO_UNKNOWN: UnknownWatch = { since: new Map(), raised: [] };

/**
 * `announced`: the server's participant list, ours excluded, in the order it announced them;
 * `leaves`: the MLS roster's leaves; `waiting`: ids whose upload waits for a host.
 */
export function checkUnknown(
  watch: UnknownWatch,
  announced: readonly AnnouncedParticipant[],
  leaves: ReadonlySet<number>,
  waiting: ReadonlySet<string>,
  now: number,
  graceMs = DEFAULT_UNKNOWN_GRACE_MS,
): { readonly watch: UnknownWatch; readonly change: UnknownChange } {
  const claimed = new Set<number>();
  const unknown = new Set<string>();
  for (const p of announced) {
    const own = p.leaf !== null && leaves.has(p.leaf) && !claimed.has(p.leaf);
    if (p.leaf !== null) claimed.add(p.leaf);
    if (!own && !waiting.has(p.id)) unknown.add(p.id);
  }
  const cleared = watch.raised.filter((id) => !unknown.has(id));
  const stillRaised = watch.raised.filter((id) => unknown.has(id));
  const since = new Map<string, number>();
  const raised: string[] = [];
  let nextAt: number | undefined;
  for (const id of unknown) {
    const first = watch.since.get(id) ?? now;
    since.set(id, first);
    if (stillRaised.includes(id)) continue;
    if (now - first >= graceMs) raised.push(id);
    else nextAt = Math.min(nextAt ?? Number.POSITIVE_INFINITY, first + graceMs);
  }
  return {
    watch: { since, raised: [...stillRaised, ...raised] },
    change: { raised, cleared, nextAt },
  };
}
