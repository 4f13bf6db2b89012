/**
 * Which simulcast layer each of one receiver's videos gets, within the receiver's downlink
 * estimate. Every video on screen gets its lowest layer (a video that moves slowly beats a tile
 * that stops), except on a link that showed loss lately (`pauseToFit`): there, in priority order
 * (largest tile first: the speaker, a pinned tile), the lowest layers go to the videos they fit,
 * the first always, and the others pause rather than push the link into loss that would stop them
 * all (a 300 kbit/s receiver of two videos and two voices decoded nothing). Then, in the same
 * order and one step at a time, higher layers while they fit with 10 % to spare, never above what
 * the receiver's tile needs. A video not on screen gets none.
 *
 * On a link that lost packets, the estimate grows only by what was sent, so the receiver's
 * connection probes with padding for what `blockedStep` says the next step would need.
 */
export interface VideoDemand {
  /** Bits per second of each layer the publisher sends now, lowest first; 0 for one not flowing. */
  readonly layerRates: readonly number[];
  /** The highest layer worth sending to this receiver (tile size); -1 for none (not on screen). */
  readonly maxLayer: number;
}

/** Headroom an upgrade must leave, so a layer is not taken on the edge of the estimate. */
const HEADROOM = 1.1;
/**
 * Room a video must leave to be let onto a link that lost packets lately, beside one already
 * there: its rate is an average, and its first frame is a keyframe several times the size.
 * Let on at 1.1 on a 300 kbit/s link, a second video came in on the edge and stalled both.
 */
const PAUSE_TO_FIT_HEADROOM = 1.3;

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
    if (pauseToFit && !first && rate * PAUSE_TO_FIT_HEADROOM > left) return;
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

/**
 * How much more than `budgetBps` the first step `chosen` could not take would need: the lowest
 * layer of the first video left paused, else the first higher layer, with the same headroom.
 * 0 when no step waits.
 */
export function blockedStep(
  budgetBps: number,
  demands: readonly VideoDemand[],
  chosen: readonly number[],
): number {
  const rateOf = (d: VideoDemand, layer: number) => (layer < 0 ? 0 : (d.layerRates[layer] ?? 0));
  const left = demands.reduce((sum, d, i) => sum - rateOf(d, chosen[i] ?? -1), budgetBps);
  for (const [i, demand] of demands.entries()) {
    const lowest = demand.layerRates.findIndex((rate) => rate > 0);
    if (demand.maxLayer >= 0 && lowest >= 0 && (chosen[i] ?? -1) < 0) {
      return Math.max(0, rateOf(demand, lowest) * PAUSE_TO_FIT_HEADROOM - left);
    }
  }
  for (const [i, demand] of demands.entries()) {
    const current = chosen[i] ?? -1;
    if (current < 0) continue;
    const next = demand.layerRates.findIndex((rate, layer) => layer > current && rate > 0);
    if (next < 0 || next > demand.maxLayer) continue;
    return Math.max(0, (rateOf(demand, next) - rateOf(demand, current)) * HEADROOM - left);
  }
  return 0;
}
