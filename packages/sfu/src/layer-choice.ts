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
      const next = nextLayerUp(demand, current);
      if (next === null) return;
      const extra = (demand.layerRates[next] as number) - (demand.layerRates[current] as number);
      if (extra * HEADROOM > left) return;
      chosen[i] = next;
      left -= extra;
      upgraded = true;
    });
  }
  return chosen;
}

/** The next layer above `current` that flows, up to what the tile needs; null for none. */
function nextLayerUp(demand: VideoDemand, current: number): number | null {
  for (let next = current + 1; next <= demand.maxLayer && next < demand.layerRates.length; next++) {
    if ((demand.layerRates[next] as number) > 0) return next;
  }
  return null;
}

/**
 * Of a VP8 stream in three temporal layers (libwebrtc's L1T3 split), the share of its rate that
 * layers up to 0 and up to 1 carry: a quarter and half of the frames.
 */
const TEMPORAL_SHARES = [0.4, 0.6] as const;

/**
 * The highest temporal layer each video keeps (Infinity: all of them), so that the layers
 * `chosen` (chooseLayers) fit the budget: a link that cannot carry even the lowest layer of the
 * videos it keeps (the first always keeps its own) gets fewer frames of them, the smallest tiles'
 * first, rather than all their frames into loss. A limit is lowered as soon as the budget needs
 * it and raised only once the higher one fits with 10 % to spare, so it does not flap; `current`
 * holds the limits now. Frames of higher temporal layers are what nothing else refers to
 * (vp8.ts `temporalInfo`); a stream without them ignores the limit.
 */
export function temporalLimits(
  budgetBps: number,
  demands: readonly VideoDemand[],
  chosen: readonly number[],
  current: readonly number[],
): number[] {
  const strict = limitsWithin(budgetBps, demands, chosen);
  const spared = limitsWithin(budgetBps / HEADROOM, demands, chosen);
  return strict.map((limit, i) => {
    const now = current[i] ?? Number.POSITIVE_INFINITY;
    return limit > now ? Math.max(now, spared[i] as number) : limit;
  });
}

function limitsWithin(
  budgetBps: number,
  demands: readonly VideoDemand[],
  chosen: readonly number[],
): number[] {
  const limits = demands.map(() => Number.POSITIVE_INFINITY);
  const rates = chosen.map((layer, i) => (layer < 0 ? 0 : (demands[i]?.layerRates[layer] ?? 0)));
  let over = rates.reduce((sum, rate) => sum + rate, 0) - budgetBps;
  for (let i = demands.length - 1; i >= 0 && over > 0; i--) {
    const rate = rates[i] as number;
    if (rate <= 0) continue;
    // The most frames that fit, else the fewest.
    let limit = 0;
    for (let t = TEMPORAL_SHARES.length - 1; t >= 0; t--) {
      if (rate * (1 - (TEMPORAL_SHARES[t] as number)) >= over) {
        limit = t;
        break;
      }
    }
    limits[i] = limit;
    over -= rate * (1 - (TEMPORAL_SHARES[limit] as number));
  }
  return limits;
}

/**
 * The least budget at which one of these videos would get more than `chosen` and `limits` give
 * it now (the frames a temporal limit leaves out, a paused video's lowest layer, or the next
 * layer its tile needs), with the headroom an upgrade takes; null when each has all it needs. A
 * probe of the receiver's link (downlink-fit.ts) asks that much before the layer is sent into it.
 */
export function upgradeBudget(
  demands: readonly VideoDemand[],
  chosen: readonly number[],
  limits: readonly number[],
): number | null {
  let used = 0;
  let step = Number.POSITIVE_INFINITY;
  demands.forEach((demand, i) => {
    const current = chosen[i] ?? -1;
    const rate = current < 0 ? 0 : (demand.layerRates[current] ?? 0);
    const limit = limits[i] ?? Number.POSITIVE_INFINITY;
    const share = limit < TEMPORAL_SHARES.length ? (TEMPORAL_SHARES[limit] as number) : 1;
    used += rate * share;
    if (share < 1) {
      step = Math.min(step, rate * (1 - share));
      return;
    }
    const next = nextLayerUp(demand, current);
    if (next === null) return;
    step = Math.min(step, (demand.layerRates[next] as number) - rate);
  });
  return step === Number.POSITIVE_INFINITY ? null : used + step * HEADROOM;
}
