import type { RoomId } from "@conclave/protocol";
import type { MeetingJournal } from "./meeting-journal.ts";
import type { MeetingLeases } from "./meeting-lease.ts";

/**
 * This node's hold on one meeting's lease (meeting-lease.ts) while it runs the meeting: renewed
 * every third of its time to live, with the meeting's record in Redis kept alive beside it, and
 * released when the meeting ends. Besides Redis's own check of every write, the node keeps its
 * own count: a lease is taken to end `ttlMs` after the renewal that extended it was *sent*, so a
 * node that paused (a long garbage collection, SIGSTOP) knows on waking that it may no longer
 * write, before it asks. Once lost, it stays lost: the meeting is abandoned (meeting.ts) and its
 * members reconnect to whichever node holds the lease now.
 */
export class MeetingOwnership {
  private expiresAt: number;
  private lostBecause: string | null = null;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly leases: MeetingLeases,
    private readonly room: RoomId,
    readonly token: number,
    private readonly ttlMs: number,
    private readonly journal: MeetingJournal,
    /** Acquired at: when the acquiring request was sent. */
    since: number,
    /** The lease is lost: told once, with why. */
    private readonly lost: (why: string) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.expiresAt = since + ttlMs;
    this.timer = setInterval(() => void this.renew(), Math.max(50, Math.floor(ttlMs / 3)));
  }

  /** Whether this node may still write for the meeting, as far as it can tell by itself. */
  get valid(): boolean {
    if (this.lostBecause === null && this.now() >= this.expiresAt) this.lose("lease expired");
    return this.lostBecause === null;
  }

  /** Gives the meeting up for good: told `lost` unless it was already. */
  lose(why: string): void {
    if (this.lostBecause !== null) return;
    this.lostBecause = why;
    clearInterval(this.timer);
    this.lost(why);
  }

  /** The meeting ended here: what Redis kept of it is forgotten and the lease released. */
  async release(): Promise<void> {
    clearInterval(this.timer);
    if (!this.valid) return;
    this.lostBecause = "released";
    // Sent together, in this order, on one connection: forgotten while still ours, then released.
    await Promise.all([this.journal.forget(), this.leases.release(this.room, this.token)]);
  }

  /**
   * The meeting moves to another node (a drain): the lease is released at once, so the next node
   * need not wait for it to run out, and what Redis kept of the meeting stays for that node.
   */
  async handOff(): Promise<void> {
    clearInterval(this.timer);
    if (!this.valid) return;
    this.lostBecause = "handed off";
    await this.leases.release(this.room, this.token);
  }

  private async renew(): Promise<void> {
    if (!this.valid) return;
    const sent = this.now();
    let renewed = false;
    try {
      renewed = (await this.leases.renew(this.room, this.token)) && (await this.journal.keep());
    } catch (error) {
      // Redis cannot be reached: the lease runs out unless a later renewal gets through.
      if (this.now() < this.expiresAt) return;
      return this.lose(`lease expired with Redis unreachable: ${String(error)}`);
    }
    if (!renewed) return this.lose("renewal refused: another node holds the lease");
    if (this.lostBecause === null) this.expiresAt = sent + this.ttlMs;
  }
}
