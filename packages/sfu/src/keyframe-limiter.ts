/**
 * Keyframe requests for one publisher, rate-limited. A receiver that cannot decode keeps asking
 * (FIELD-NOTES saw 20-45 requests in 8 s); forwarding each would make everyone's video
 * keyframe-only. At most one request leaves per interval; requests inside the interval collapse
 * into one trailing request at its end, so a late joiner still gets its keyframe promptly.
 */
export class KeyframeLimiter {
  private lastSent = Number.NEGATIVE_INFINITY;
  private trailing: ReturnType<typeof setTimeout> | null = null;
  /** Requests received and requests actually sent, for metrics and tests. */
  requested = 0;
  sent = 0;

  constructor(
    private readonly send: () => void,
    private readonly minIntervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  request(): void {
    this.requested++;
    if (this.trailing) return;
    const wait = this.lastSent + this.minIntervalMs - this.now();
    if (wait <= 0) {
      this.fire();
      return;
    }
    this.trailing = setTimeout(() => {
      this.trailing = null;
      this.fire();
    }, wait);
  }

  close(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = null;
  }

  private fire(): void {
    this.lastSent = this.now();
    this.sent++;
    this.send();
  }
}
