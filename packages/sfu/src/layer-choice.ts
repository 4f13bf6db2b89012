/**
 * Which simulcast layer each of one receiver's videos gets, within the receiver's downlink
 * estimate. Every video on screen gets its lowest layer (a video that moves slowly beats a tile
 * that stops), except on a link that showed loss lately (`pauseToFit`): there, in priority order
 * (largest tile first: the speaker, a pinned tile), the lowest layers go to the videos they fit,
 * the first always, and the others pause rather than push the link into loss that would stop them
 * all (a 300 kbit/s receiver of two videos and two voices decoded nothing). Then, in the same
 * order and one step at a time, higher layers while they fit with 10 % to spare, never above what
 * the receiver's tile needs. A video not on screen gets none.
 */
export interface VideoDemand {
  /** Bits per second of each layer the publisher sends now, lowest first; 0 for one not flowing. */
  readonly layerRates: readonly number[];
  /** The highest layer worth sending to this receiver (tile size); -1 for none (not on screen). */
  readonly maxLayer: number;
}

/** Headroom an upgrade must leave, so a layer is not taken on the edge of the estimate. */
const HEADROOM = 1.1;

/** The chosen layer per demand, in the same order (-1: forward nothing). */
export function chooseLayers(
  budgetBps: number,
  demands: readonly VideoDemand[],
  pauseToFit = false,
): number[] {
  const chosen = demands.map(() => -1);
  let left = budgetBps;
  const flowing = (d: VideoDemand, layer: number) => (d.layerRates[layer] ?? 0) > 0;
  let first = true;
  demands.forEach((demand, i) => {
    const lowest = demand.layerRates.findIndex((rate) => rate > 0);
    if (demand.maxLayer < 0 || lowest < 0) return;
    const rate = demand.layerRates[lowest] as number;
    if (pauseToFit && !first && rate > left) return;
    first = false;
    chosen[i] = lowest;
    left -= rate;
  });
  let upgraded = true;
  while (upgraded) {
    upgraded = false;
    demands.forEach((demand, i) => {
      const current = chosen[i] as number;
      if (current < 0) return;
      let next = current + 1;
      while (next <= demand.maxLayer && next < demand.layerRates.length && !flowing(demand, next))
        next++;
      if (next > demand.maxLayer || next >= demand.layerRates.length) return;
      const extra = (demand.layerRates[next] as number) - (demand.layerRates[current] as number);
      if (extra * HEADROOM > left) return;
      chosen[i] = next;
      left -= extra;
      upgraded = true;
    });
  }
  return chosen;
}
