// What received frames say about the group that the MLS engine cannot see (docs/e2ee.md "Alarms"):
//
// - **Newer epoch**: frames keyed to an epoch beyond ours mean the others processed a commit we
//   have not received. A frame of the next epoch is normal for a moment (its sender processed the
//   commit first; next-epoch-hold.ts holds it), so next-epoch frames count only once they have
//   kept coming for `newerEpochGraceMs` (the hold's own limit) without our epoch moving; a frame
//   two or more epochs ahead counts at once. Then we stop sending our own media until we catch up
//   (sending into an epoch the others left would only be undecryptable noise, and a server that
//   withholds commits from us must not keep us talking in a group of our own), raise the alarm,
//   and after `catchUpMs` the caller rejoins, as the engine does for a missed commit.
// - **Group split**: a current member whose frames fail authentication again and again
//   (`splitFailures` within `splitWindowMs`) with no success over that window holds keys other
//   than ours: the group has split, or someone sends garbage under its name. Either way it must
//   not look like a member we can hear.
//
// Pure: no timers, an injectable clock; the caller feeds frame outcomes and polls `check`, or
// `changes` for the alarms to raise or clear and the moment to rejoin.
// Epoch bits and senders come from KIDs, which are not authenticated: a hostile server can raise
// these alarms falsely (by replaying or forging KIDs). It can deny service anyway; it cannot make
// them stay silent while it withholds commits.
import { E2eeUsageError } from "../errors.ts";

export const DEFAULT_NEWER_EPOCH_GRACE_MS = 500;
export const DEFAULT_CATCH_UP_MS = 5000;
export const DEFAULT_SPLIT_FAILURES = 50;
export const DEFAULT_SPLIT_WINDOW_MS = 5000;

export interface MediaWatchOptions {
  readonly newerEpochGraceMs?: number;
  /** paused this long without catching up: `check` says rejoin (default 5000 ms) */
  readonly catchUpMs?: number;
  readonly splitFailures?: number;
  readonly splitWindowMs?: number;
  readonly now?: () => number;
}

/** A media alarm raised (`active`) or cleared. */
export type MediaWatchAlarm =
  | { readonly kind: "newer-epoch"; readonly active: boolean }
  | { readonly kind: "group-split"; readonly leaf: number; readonly active: boolean };

export interface MediaWatchChanges {
  /** raised or cleared since the last call, newer epoch first */
  readonly alarms: readonly MediaWatchAlarm[];
  /** give up our state and join again now: said once per epoch */
  readonly rejoin: boolean;
}

/** What the watch sees now; `changes` turns it into alarms. */
export interface MediaWatchState {
  /** we are behind the group: our own sending is paused */
  readonly behind: boolean;
  /** behind for longer than `catchUpMs`: give up the state and join again */
  readonly rejoin: boolean;
  /** leaves of current members whose frames keep failing authentication, ascending */
  readonly split: readonly number[];
}

interface SenderFailures {
  /** failure times within the window, oldest first */
  failures: number[];
  lastOk: number | undefined;
}

function checkMs(value: number, what: string): number {
  if (!Number.isFinite(value) || value < 0) throw new E2eeUsageError(`${what} must be >= 0`);
  return value;
}

export class MediaWatch {
  readonly #graceMs: number;
  readonly #catchUpMs: number;
  readonly #splitFailures: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** when next-epoch frames started coming, in the current epoch */
  #nextSince: number | undefined;
  /** when we decided we are behind (sending paused) */
  #behindSince: number | undefined;
  /** what `changes` last reported, and whether it said rejoin in this epoch */
  #reportedBehind = false;
  #reportedSplit: ReadonlySet<number> = new Set();
  #rejoinSaid = false;
  readonly #senders = new Map<number, SenderFailures>();

  constructor(options: MediaWatchOptions = {}) {
    this.#graceMs = checkMs(options.newerEpochGraceMs ?? DEFAULT_NEWER_EPOCH_GRACE_MS, "grace");
    this.#catchUpMs = checkMs(options.catchUpMs ?? DEFAULT_CATCH_UP_MS, "catchUpMs");
    this.#windowMs = checkMs(options.splitWindowMs ?? DEFAULT_SPLIT_WINDOW_MS, "splitWindowMs");
    const failures = options.splitFailures ?? DEFAULT_SPLIT_FAILURES;
    if (!Number.isInteger(failures) || failures < 1) {
      throw new E2eeUsageError("splitFailures must be an integer >= 1");
    }
    this.#splitFailures = failures;
    this.#now = options.now ?? Date.now;
  }

  /** A received frame keyed `ahead` epochs beyond ours (1 = the next epoch). */
  newerEpoch(ahead: number): void {
    const t = this.#now();
    if (ahead >= 2) {
      this.#behindSince ??= t;
      return;
    }
    this.#nextSince ??= t;
    if (t - this.#nextSince >= this.#graceMs) this.#behindSince ??= t;
  }

  /** Our epoch moved (a commit processed, a rejoin): we have caught up with what we saw. */
  epochChanged(): void {
    this.#nextSince = undefined;
    this.#behindSince = undefined;
    this.#rejoinSaid = false;
  }

  /** Whether our own frames must not be sent now (reason `paused-newer-epoch`). */
  get sendingPaused(): boolean {
    return this.#behindSince !== undefined;
  }

  /** A frame of `sender` failed authentication (AEAD) with a key of an epoch we hold. */
  authFailed(sender: number): void {
    const entry = this.#entry(sender);
    entry.failures.push(this.#now());
    this.#trim(entry);
  }

  /** A frame of `sender` decrypted. */
  authOk(sender: number): void {
    const entry = this.#entry(sender);
    entry.lastOk = this.#now();
    entry.failures = [];
  }

  /** `members`: the leaves of the current MLS roster other than ours. */
  check(members: ReadonlySet<number>): MediaWatchState {
    const t = this.#now();
    const split: number[] = [];
    for (const [leaf, entry] of this.#senders) {
      this.#trim(entry);
      if (!members.has(leaf)) {
        this.#senders.delete(leaf);
        continue;
      }
      const quiet = entry.lastOk === undefined || t - entry.lastOk >= this.#windowMs;
      if (quiet && entry.failures.length >= this.#splitFailures) split.push(leaf);
    }
    const behind = this.#behindSince !== undefined;
    return {
      behind,
      rejoin: behind && t - (this.#behindSince ?? t) >= this.#catchUpMs,
      split: split.sort((a, b) => a - b),
    };
  }

  /** `check`, as what changed since the last call. */
  changes(members: ReadonlySet<number>): MediaWatchChanges {
    const state = this.check(members);
    const alarms: MediaWatchAlarm[] = [];
    if (state.behind !== this.#reportedBehind) {
      alarms.push({ kind: "newer-epoch", active: state.behind });
    }
    this.#reportedBehind = state.behind;
    const split = new Set(state.split);
    for (const leaf of split) {
      if (!this.#reportedSplit.has(leaf)) alarms.push({ kind: "group-split", leaf, active: true });
    }
    for (const leaf of this.#reportedSplit) {
      if (!split.has(leaf)) alarms.push({ kind: "group-split", leaf, active: false });
    }
    this.#reportedSplit = split;
    const rejoin = state.rejoin && !this.#rejoinSaid;
    if (rejoin) this.#rejoinSaid = true;
    return { alarms, rejoin };
  }

  #entry(sender: number): SenderFailures {
    let entry = this.#senders.get(sender);
    if (entry === undefined) {
      entry = { failures: [], lastOk: undefined };
      this.#senders.set(sender, entry);
    }
    return entry;
  }

  #trim(entry: SenderFailures): void {
    const oldest = this.#now() - this.#windowMs;
    while ((entry.failures[0] ?? Number.POSITIVE_INFINITY) < oldest) entry.failures.shift();
  }
}
