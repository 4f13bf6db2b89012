/** A token bucket: `burst` actions at once, refilled at `perSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Whether it has refilled to its burst. */
  get full(): boolean {
    this.refill();
    return this.tokens >= this.burst;
  }

  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
  }
}

/**
 * One token bucket per client address, for actions a stranger can repeat from new connections
 * (join attempts, knocks): a per-connection bucket would not slow them. Full buckets are
 * forgotten, so the map holds only addresses seen recently.
 */
export class AddressLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastSweep = now();
  }

  take(address: string): boolean {
    this.sweep();
    let bucket = this.buckets.get(address);
    if (!bucket) {
      bucket = new TokenBucket(this.burst, this.perSecond, this.now);
      this.buckets.set(address, bucket);
    }
    return bucket.take();
  }

  /** Every minute: drop buckets that have refilled (as good as new). */
  private sweep(): void {
    const now = this.now();
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [address, bucket] of this.buckets) if (bucket.full) this.buckets.delete(address);
  }
}
