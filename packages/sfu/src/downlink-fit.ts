/**
 * Fits one receiver's videos to its downlink (docs/media-adaptation.md): once a second it updates
 * the estimate from what its m-lines sent and the loss its receiver reported, paces them at it,
 * and chooses each video's layer (layer-choice.ts), largest tile first; the videos it pauses to
 * fit are told to the receiver's page. The receiver's transport-wide feedback, read against when
 * each packet left (send-history.ts), shows a queue building on its link (delay-trend.ts): then
 * the estimate falls and the layers are chosen again at once, before the queue overflows.
 *
 * With that feedback, a layer the estimate does not reach yet is not sent into the link to see
 * whether it fits: the link is probed first with padding after one video's frames, up to half
 * again what it carries at a time, for a second. A queue building stops the probe and falls the
 * estimate as any queue does; a probe that got through raises the estimate to what arrived.
 */
import { DelayTrend } from "./delay-trend.ts";
import { DownlinkEstimate, START_BPS } from "./downlink-estimate.ts";
import { chooseLayers, temporalLimits, upgradeBudget } from "./layer-choice.ts";
import { Pacer } from "./pacer.ts";
import { SendHistory } from "./send-history.ts";
import type { Slot } from "./subscribe-slot.ts";
import type { FeedbackReport } from "./transport-feedback.ts";
import type { ReceiverSignals } from "./types.ts";

/** How often each receiver's estimate and layers are looked at: about once per receiver report. */
const ADAPT_INTERVAL_MS = 1000;
/**
 * The least time between two falls for a queue building: the feedback that follows a fall still
 * shows the queue the fall is draining.
 */
const OVERUSE_GAP_MS = 300;
/**
 * A queue on the receiver's link shows also as its last second of packets taking longer to
 * arrive than to be sent; a receiver whose processor stalled (a loaded phone, or three browsers
 * on one test machine) delays some arrivals, which looks like a queue to the trend, but the link
 * carried what was sent. Seen on loopback: 13 falls in two short tests without this.
 */
const MIN_SPREAD = 1.1;
/** How long a probe pads: long enough for the delay to show a queue it builds. */
const PROBE_MS = 1000;
/** The least time between two probes, for the queue of one to drain before the next. */
const PROBE_GAP_MS = 1000;
/** A probe asks at most this much more than the link carried lately. */
const PROBE_STEP = 1.5;
/** A probe got through when at least this share of what it asked for arrived. */
const PROBE_ARRIVED = 0.8;

interface Probe {
  readonly slot: Slot;
  readonly until: number;
  /** Bits per second it brings the link to, media and padding. */
  readonly bps: number;
  /** Bits per second of media the link carried when it started, without a queue. */
  readonly mediaBps: number;
}

export class DownlinkFit {
  /** What every m-line of the receiver sends through. */
  readonly pacer = new Pacer(START_BPS);
  /** When each packet left, by transport-wide sequence number, for the receiver's feedback. */
  readonly sent = new SendHistory();
  private readonly estimate = new DownlinkEstimate();
  private readonly trend = new DelayTrend();
  /** Whether the receiver sends transport-wide feedback. */
  private feedbackSeen = false;
  private overusedAt = Number.NEGATIVE_INFINITY;
  /** Bits per second the chosen layers brought in at the last look. */
  private inBps = 0;
  private readonly timer: ReturnType<typeof setInterval>;
  private lastAdapt = performance.now();
  /** Bits per second of audio sent at the last look, kept out of the videos' share. */
  private audioBits = 0;
  /** The paused mids its participant was last told of; null when it must be told again. */
  private toldPaused: ReadonlySet<string> | null = new Set();
  /** The video budget one more layer would need, as of the last choice (upgradeBudget). */
  private upgradeNeeds: number | null = null;
  private probe: Probe | null = null;
  private probeEndedAt = Number.NEGATIVE_INFINITY;
  /** What the last probe that got through brought the link to: the next may ask half again. */
  private probedBps = 0;

  constructor(
    /** The receiver's m-lines, as its transport keeps them. */
    private readonly slots: readonly Slot[],
    /** Where the receiver hears of paused videos; null while it is away. */
    private readonly signals: () => Pick<ReceiverSignals, "videosPaused"> | null,
  ) {
    this.timer = setInterval(() => this.adapt(), ADAPT_INTERVAL_MS);
    this.timer.unref();
  }

  /** This receiver's downlink estimate, in bits per second. */
  get bitsPerSecond(): number {
    return this.estimate.bitsPerSecond;
  }

  /** Told at the next choice: changes while its participant was away went nowhere. */
  retell(): void {
    this.toldPaused = null;
  }

  close(): void {
    clearInterval(this.timer);
    this.pacer.close();
    this.endProbe();
  }

  /**
   * Updates the downlink estimate from what was sent and the loss reported since the last look,
   * then chooses each video's layer to fit it.
   */
  private adapt(): void {
    const now = performance.now();
    const seconds = (now - this.lastAdapt) / 1000;
    this.lastAdapt = now;
    let bits = 0;
    let loss: number | null = null;
    let packets = 0;
    let bitsIn = 0;
    this.audioBits = 0;
    for (const slot of this.slots) {
      bits += slot.bytesSent * 8;
      if (slot.kind === "audio") this.audioBits += slot.bytesSent * 8;
      const lost = slot.kind === "video" ? slot.loss.take() : null;
      if (lost !== null) loss = Math.max(loss ?? 0, lost);
      packets += slot.packetsSent;
      bitsIn += slot.bytesIn * 8;
      slot.bytesIn = 0;
      slot.bytesSent = 0;
      slot.packetsSent = 0;
    }
    this.audioBits /= Math.max(seconds, 0.001);
    // Video the pacer had to drop (over a second's wait) was lost on the way, as far as the
    // estimate is concerned.
    const { dropped } = this.pacer;
    this.pacer.dropped = 0;
    if (dropped > 0) loss = Math.max(loss ?? 0, dropped / (dropped + packets));
    const acked = this.feedbackSeen ? this.trend.ackedBps : undefined;
    // No receiver report since the last look: nothing is known, the estimate holds.
    const congested =
      bits > 0 &&
      loss !== null &&
      this.estimate.update({
        bitsSent: bits,
        lossFraction: loss,
        seconds,
        delay: this.feedbackSeen ? this.trend.state : undefined,
        ackedBps: acked,
      });
    if (congested) this.probedBps = 0;
    if (this.probe !== null && now >= this.probe.until) this.judgeProbe(acked, loss ?? 0);
    this.inBps = bitsIn / Math.max(seconds, 0.001);
    this.pace();
    this.choose(now, congested);
    this.startProbe(now, bits / Math.max(seconds, 0.001), acked);
  }

  /**
   * Probes the link for the next layer the estimate does not reach (upgradeBudget), when the
   * receiver's feedback can judge it and nothing says the link is full: padding after the frames
   * of a video that flows, bringing it to that layer's need, or half again what it carried.
   */
  private startProbe(now: number, sentBps: number, acked: number | undefined): void {
    if (this.probe !== null || acked === undefined || this.upgradeNeeds === null) return;
    if (this.estimate.holding || this.trend.state !== "normal") return;
    if (now - this.probeEndedAt < PROBE_GAP_MS) return;
    const needs = this.upgradeNeeds + this.audioBits;
    if (needs <= this.estimate.bitsPerSecond) return;
    const bps = Math.min(needs, PROBE_STEP * Math.max(sentBps, this.probedBps));
    const slot = this.slots.find((s) => s.canPad);
    if (slot === undefined || bps <= sentBps) return;
    slot.probeBps = bps - sentBps;
    this.probe = { slot, until: now + PROBE_MS, bps, mediaBps: sentBps };
  }

  /** A probe's second is over: what arrived of it, with no queue, is what the link takes. */
  private judgeProbe(acked: number | undefined, loss: number): void {
    const { bps } = this.probe as Probe;
    this.endProbe();
    if (acked !== undefined && acked >= PROBE_ARRIVED * bps && loss < 0.02) {
      this.estimate.probed(acked);
      this.probedBps = acked;
    } else {
      this.estimate.probeFailed();
      this.probedBps = 0;
    }
  }

  private endProbe(): void {
    if (this.probe === null) return;
    this.probe.slot.probeBps = 0;
    this.probe = null;
    this.probeEndedAt = performance.now();
  }

  /**
   * One transport-wide feedback of the receiver: a queue building on its link falls the estimate
   * below what it acknowledged and chooses the layers again at once, as loss does a second later.
   */
  feedback(report: FeedbackReport): void {
    this.feedbackSeen = true;
    this.sent.repairLost(report);
    if (this.trend.update(this.sent.fates(report)) !== "overuse") return;
    const now = performance.now();
    const acked = this.trend.ackedBps;
    const spread = this.trend.spreadRatio;
    if (acked === undefined || spread === undefined || spread < MIN_SPREAD) return;
    if (now - this.overusedAt < OVERUSE_GAP_MS) return;
    this.overusedAt = now;
    // A queue a probe built is its padding's: the media before it went through without one.
    const kept = this.probe?.mediaBps ?? 0;
    this.endProbe();
    this.probedBps = 0;
    this.estimate.overuse(acked, kept);
    this.pace();
    this.choose(now, true);
  }

  /**
   * Paced at the estimate, and never below a quarter above what the layers chosen bring in: the
   * pacer smooths bursts; choosing layers is what fits the estimate (a queue that only grew would
   * drop video the layer choice meant to send).
   */
  private pace(): void {
    this.pacer.rateBps = Math.max(this.estimate.bitsPerSecond, 1.25 * this.inBps);
  }

  /** Each video's layer within the estimate less the audio (layer-choice.ts), largest tile first. */
  choose(now: number, congested = false): void {
    const videos = this.slots
      .filter((s) => s.kind === "video" && s.producer !== null)
      .sort((a, b) => (a.shownWidth === b.shownWidth ? 0 : a.shownWidth < b.shownWidth ? 1 : -1));
    const demands = videos.map((slot) => ({
      layerRates: slot.producer?.layerRates(now) ?? [],
      maxLayer: slot.maxLayer,
    }));
    const budget = this.estimate.bitsPerSecond - this.audioBits;
    const choice = chooseLayers(budget, demands, this.estimate.holding);
    const limits = temporalLimits(
      budget,
      demands,
      choice,
      videos.map((slot) => slot.temporalLimit),
    );
    this.upgradeNeeds = upgradeBudget(demands, choice, limits);
    const paused = new Set<string>();
    videos.forEach((slot, i) => {
      // Not on screen: nothing, at once. A producer not measured yet (its first second) keeps
      // what it has, or gets its lowest layer when it was off screen until now.
      if (slot.maxLayer >= 0 && demands[i]?.layerRates.every((rate) => rate === 0)) {
        slot.want(Math.max(slot.wantedLayer, 0));
        return;
      }
      const layer = choice[i] ?? -1;
      // Shown, flowing, and no layer: paused to fit the link, which its page shows on the tile.
      if (layer < 0 && slot.maxLayer >= 0 && slot.transceiver.mid !== null) {
        paused.add(slot.transceiver.mid);
      }
      slot.want(layer, congested);
      slot.limitTemporal(limits[i] ?? Number.POSITIVE_INFINITY);
    });
    this.tellPaused(paused);
  }

  private tellPaused(paused: ReadonlySet<string>): void {
    const told = this.toldPaused;
    const signals = this.signals();
    if (signals === null) return;
    if (told && told.size === paused.size && [...paused].every((mid) => told.has(mid))) return;
    this.toldPaused = paused;
    signals.videosPaused([...paused]);
  }
}
