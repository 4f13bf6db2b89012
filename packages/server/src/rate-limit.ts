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

  /** Whether it has less than one token now. */
  get empty(): boolean {
    this.refill();
    return this.tokens < 1;
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

  /** Whether `address` has nothing left to spend now (spending nothing). */
  spent(address: string): boolean {
    return this.buckets.get(address)?.empty === true;
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

/**
 * What one client address may spend on joining (docs/protocol.md "Rate limits"): joins that
 * passed the gate, knocks, and gate failures (a server key that does not open the room), each in
 * its own bucket, so a stranger's wrong links never spend anyone's join budget.
 */
export interface JoinBudgets {
  readonly joins: AddressLimiter;
  readonly knocks: AddressLimiter;
  readonly gateFailures: AddressLimiter;
}

/** Budgets of `perMinute` each, refilled over a minute. */
export function joinBudgets(perMinute: {
  joins: number;
  knocks: number;
  gateFailures: number;
}): JoinBudgets {
  const limiter = (n: number) => new AddressLimiter(n, n / 60);
  return {
    joins: limiter(perMinute.joins),
    knocks: limiter(perMinute.knocks),
    gateFailures: limiter(perMinute.gateFailures),
  };
}
