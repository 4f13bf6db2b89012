/**
 * Fits one receiver's videos to its downlink (docs/media-adaptation.md): once a second it updates
 * the estimate from what its m-lines sent and the loss its receiver reported, paces them at it,
 * and chooses each video's layer (layer-choice.ts), largest tile first; the videos it pauses to
 * fit are told to the receiver's page. The receiver's transport-wide feedback, read against when
 * each packet left (send-history.ts), shows a queue building on its link (delay-trend.ts): then
 * the estimate falls and the layers are chosen again at once, before the queue overflows.
 */
import { DelayTrend } from "./delay-trend.ts";
import { DownlinkEstimate, START_BPS } from "./downlink-estimate.ts";
import { chooseLayers, temporalLimits } from "./layer-choice.ts";
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
    // No receiver report since the last look: nothing is known, the estimate holds.
    const congested =
      bits > 0 &&
      loss !== null &&
      this.estimate.update({
        bitsSent: bits,
        lossFraction: loss,
        seconds,
        delay: this.feedbackSeen ? this.trend.state : undefined,
      });
    this.inBps = bitsIn / Math.max(seconds, 0.001);
    this.pace();
    this.choose(now, congested);
  }

  /**
   * One transport-wide feedback of the receiver: a queue building on its link falls the estimate
   * below what it acknowledged and chooses the layers again at once, as loss does a second later.
   */
  feedback(report: FeedbackReport): void {
    this.feedbackSeen = true;
    if (this.trend.update(this.sent.fates(report)) !== "overuse") return;
    const now = performance.now();
    const acked = this.trend.ackedBps;
    const spread = this.trend.spreadRatio;
    if (acked === undefined || spread === undefined || spread < MIN_SPREAD) return;
    if (now - this.overusedAt < OVERUSE_GAP_MS) return;
    this.overusedAt = now;
    this.estimate.overuse(acked);
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
