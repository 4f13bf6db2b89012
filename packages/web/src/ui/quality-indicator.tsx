import type { Quality } from "../call/connection-quality.ts";

const BARS: Record<Quality, number> = { good: 3, fair: 2, poor: 1 };

/** Three signal bars for a tile's connection; its name says the quality in words. */
export function QualityIndicator({ quality }: { quality: Quality }) {
  const lit = BARS[quality];
  return (
    <span
      class={`quality quality-${quality}`}
      role="img"
      aria-label={`Connection: ${quality}`}
      title={`Connection: ${quality}`}
    >
      {[1, 2, 3].map((bar) => (
        <span key={bar} class={`quality-bar${bar <= lit ? " lit" : ""}`} />
      ))}
    </span>
  );
}
