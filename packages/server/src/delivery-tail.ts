/** How much of what was sent a connected member's tail keeps; older messages are let go. */
const TAIL_MESSAGES = 256;
const TAIL_BYTES = 1024 * 1024;

/**
 * The last Delivery Service messages sent to one member's place, numbered from the place's first
 * (docs/protocol.md "Reconnecting"). A connection can die with messages written to it that never
 * arrived (a network that goes silent is noticed only at the heartbeat): the member's next
 * connection says how many it received, and the tail gives back what followed. Encoded messages
 * are shared between the tails of everyone they went to.
 */
export class DeliveryTail {
  private readonly kept: string[] = [];
  private bytes = 0;

  /**
   * `first`: the number of the first message it will keep (what its owner had received);
   * `limits`: how much it keeps (a place taken over from another node keeps its whole log).
   */
  constructor(
    private first = 0,
    private readonly limits = { messages: TAIL_MESSAGES, bytes: TAIL_BYTES },
  ) {}

  /** How many messages the place has been sent since it was made. */
  get sent(): number {
    return this.first + this.kept.length;
  }

  push(encoded: string): void {
    this.kept.push(encoded);
    this.bytes += encoded.length;
    while (this.kept.length > this.limits.messages || this.bytes > this.limits.bytes) {
      this.bytes -= this.kept.shift()?.length ?? 0;
      this.first++;
    }
  }

  /**
   * What was sent after the first `received` messages, oldest first; null if some of it is no
   * longer kept, or if `received` is more than was ever sent.
   */
  after(received: number): string[] | null {
    if (received < this.first || received > this.sent) return null;
    return this.kept.slice(received - this.first);
  }
}
