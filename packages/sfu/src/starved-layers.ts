/**
 * Which of a publisher's simulcast layers to offer receivers. A publisher short of uplink or
 * processor may keep a higher layer going at a few frames a second beside a lower one at its full
 * rate: in `bench:network` a publisher capped at 500 kbit/s sent its half layer at 12 fps beside
 * its quarter layer at 30, and receivers whose tiles wanted the half layer decoded 8 fps with
 * 16-20 s of freezes a minute (docs/performance.md "Impaired networks"). A layer sent at under half
 * the frame rate of the layer below it is starved: it counts as not flowing (layer-choice.ts), so
 * receivers get the smooth lower layer. It counts again once it reaches four fifths of that rate,
 * so a layer near the line does not make receivers switch, and pay a keyframe, back and forth.
 */
const STARVED_BELOW = 0.5;
const FED_FROM = 0.8;

export interface LayerFlow {
  /** Bits per second over the last window; 0 when nothing flows. */
  readonly bitsPerSecond: number;
  /** Frames per second over the same window. */
  readonly framesPerSecond: number;
}

/**
 * Each layer's starved state now, lowest first, from its flow and its state before (`was`). Each
 * layer is held against the highest flowing layer below it that is not starved; the lowest flowing
 * layer never is. Given the same flows, a second call returns what the first did.
 */
export function starvedLayers(flows: readonly LayerFlow[], was: readonly boolean[]): boolean[] {
  let belowFps = 0;
  return flows.map((flow, i) => {
    if (flow.bitsPerSecond <= 0) return false;
    const share = belowFps > 0 ? flow.framesPerSecond / belowFps : 1;
    const starved = share < (was[i] ? FED_FROM : STARVED_BELOW);
    if (!starved) belowFps = flow.framesPerSecond;
    return starved;
  });
}
