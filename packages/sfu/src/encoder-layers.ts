/**
 * How many simulcast layers a publisher's camera should encode (the `camera-layers` message,
 * docs/protocol.md "View"): as many as the largest tile among its receivers needs. Layers nobody
 * needs are not forwarded anyway; encoded, they take the publisher's uplink and processor from
 * the layers that are, and its encoder sends those at a lower rate and frame rate
 * (docs/performance.md "Impaired networks"). A rise is told at once; a fall once the lower count
 * has sufficed for LOWER_AFTER_MS, so a layout that flips back restarts no layer.
 */
const LOWER_AFTER_MS = 5000;

export class EncoderLayers {
  /** The count last told; the publisher starts with all its layers. */
  private told: number;
  /** Since when a lower count than told would do, if it would. */
  private lowerSince: number | null = null;

  constructor(private readonly all: number) {
    this.told = all;
  }

  /** The count to tell the publisher now, given the count needed, or null for no change. */
  update(needed: number, now: number): number | null {
    const count = Math.min(this.all, Math.max(1, needed));
    if (count >= this.told) {
      this.lowerSince = null;
      if (count === this.told) return null;
      this.told = count;
      return count;
    }
    this.lowerSince ??= now;
    if (now - this.lowerSince < LOWER_AFTER_MS) return null;
    this.lowerSince = null;
    this.told = count;
    return count;
  }

  /** Its publisher came back on a new connection: what it was told may not have reached it. */
  retell(): number {
    return this.told;
  }
}
