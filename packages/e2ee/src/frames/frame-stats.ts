// Counters of the frame cryptor: frames encrypted, decrypted and dropped by reason, in total and
// per sender leaf. DESIGN §7.4: every failure is counted and visible (Opus decodes ciphertext as
// noise without complaint, so these counters, not "audio plays", show that decryption works).

/** Counts for one sender, or for all. Plain JSON: safe to post out of a worker. */
export interface FrameCounts {
  encrypted: number;
  decrypted: number;
  /** frames we were asked to send and did not (encrypt failures), by reason */
  refused: Record<string, number>;
  /** received frames not passed on, by reason */
  dropped: Record<string, number>;
  /** received frames keyed with the next epoch, handed back to be held and retried */
  deferred: number;
}

export interface FrameStats {
  readonly total: FrameCounts;
  /** by sender leaf index (decimal string); a frame whose KID names no sender counts in total only */
  readonly senders: Record<string, FrameCounts>;
}

const emptyCounts = (): FrameCounts => ({
  encrypted: 0,
  decrypted: 0,
  refused: {},
  dropped: {},
  deferred: 0,
});

export class FrameCounters {
  readonly #total = emptyCounts();
  readonly #senders = new Map<number, FrameCounts>();

  #each(sender: number | undefined, count: (counts: FrameCounts) => void): void {
    count(this.#total);
    if (sender === undefined) return;
    let counts = this.#senders.get(sender);
    if (counts === undefined) {
      counts = emptyCounts();
      this.#senders.set(sender, counts);
    }
    count(counts);
  }

  encrypted(sender: number): void {
    this.#each(sender, (c) => c.encrypted++);
  }

  decrypted(sender: number): void {
    this.#each(sender, (c) => c.decrypted++);
  }

  deferred(sender: number | undefined): void {
    this.#each(sender, (c) => c.deferred++);
  }

  refused(sender: number | undefined, reason: string): void {
    this.#each(sender, (c) => {
      c.refused[reason] = (c.refused[reason] ?? 0) + 1;
    });
  }

  dropped(sender: number | undefined, reason: string): void {
    this.#each(sender, (c) => {
      c.dropped[reason] = (c.dropped[reason] ?? 0) + 1;
    });
  }

  /** A deep copy: the caller may keep or post it. */
  snapshot(): FrameStats {
    const copy = (c: FrameCounts): FrameCounts => ({
      encrypted: c.encrypted,
      decrypted: c.decrypted,
      refused: { ...c.refused },
      dropped: { ...c.dropped },
      deferred: c.deferred,
    });
    const senders: Record<string, FrameCounts> = {};
    for (const [leaf, counts] of [...this.#senders].sort((a, b) => a[0] - b[0])) {
      senders[String(leaf)] = copy(counts);
    }
    return { total: copy(this.#total), senders };
  }
}

function addRecord(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) {
  const out: Record<string, number> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

function addCounts(a: FrameCounts, b: FrameCounts): FrameCounts {
  return {
    encrypted: a.encrypted + b.encrypted,
    decrypted: a.decrypted + b.decrypted,
    refused: addRecord(a.refused, b.refused),
    dropped: addRecord(a.dropped, b.dropped),
    deferred: a.deferred + b.deferred,
  };
}

/** The counts of several cryptors (one per key ring a meeting used) added up. */
export function sumFrameStats(all: readonly FrameStats[]): FrameStats {
  let total = emptyCounts();
  const senders: Record<string, FrameCounts> = {};
  for (const stats of all) {
    total = addCounts(total, stats.total);
    for (const [leaf, counts] of Object.entries(stats.senders)) {
      senders[leaf] = addCounts(senders[leaf] ?? emptyCounts(), counts);
    }
  }
  return { total, senders };
}
