/**
 * Fits one receiver's videos to its downlink (docs/media-adaptation.md): once a second it updates
 * the estimate from what its m-lines sent and the loss its receiver reported, paces them at it,
 * and chooses each video's layer (layer-choice.ts), largest tile first; the videos it pauses to
 * fit are told to the receiver's page. On a link that lost packets lately, a paused video or a
 * higher layer waits for a probe: padding on top of the media, at what the step would need, for
 * a second and a half. If the link takes it, the estimate rises with what was sent and the step is made;
 * if not, only padding was lost, where a video let on at once had stalled the one already there.
 */
import { DownlinkEstimate, START_BPS } from "./downlink-estimate.ts";
import { blockedStep, chooseLayers } from "./layer-choice.ts";
import { Pacer } from "./pacer.ts";
import { MAX_PADDING, paddingWireBytes, type Slot } from "./subscribe-slot.ts";
import type { ReceiverSignals } from "./types.ts";

/** How often each receiver's estimate and layers are looked at: about once per receiver report. */
const ADAPT_INTERVAL_MS = 1000;
/** How long a probe sends padding; it is judged by the first look with a report after it. */
const PROBE_MS = 1500;
/** A probe that got no report in this long after it taught nothing. */
const PROBE_GIVE_UP_MS = 4000;
const PAD_INTERVAL_MS = 20;
/**
 * How far above the estimate one probe goes. A probe past what the link takes loses packets of
 * the videos on it too, about as many as it goes past: probes of up to twice the estimate slowed
 * the video on a 300 kbit/s link to 9 fps in `e2e/simulcast.test.ts`. A step of a quarter loses a
 * fifth at worst; a larger need is probed in steps, one every two seconds while they succeed.
 */
const PROBE_STEP = 0.25;

interface Probe {
  /** The estimate it started from: what the choice keeps using until the probe is judged. */
  readonly fromBps: number;
  /** Bits per second of padding, on top of the media, for the link to carry what the step needs. */
  readonly paddingBps: number;
  readonly until: number;
  /** The worst loss the looks since it started saw; null before a report came. */
  worst: number | null;
}

export class DownlinkFit {
  /** What every m-line of the receiver sends through. */
  readonly pacer = new Pacer(START_BPS);
  private readonly estimate = new DownlinkEstimate();
  private readonly timer: ReturnType<typeof setInterval>;
  private lastAdapt = performance.now();
  /** Bits per second of audio sent at the last look, kept out of the videos' share. */
  private audioBits = 0;
  /** The paused mids its participant was last told of; null when it must be told again. */
  private toldPaused: ReadonlySet<string> | null = new Set();
  private probe: Probe | null = null;
  /** Bits per second the chosen layers and the audio brought in at the last look. */
  private mediaBps = 0;
  private padTimer: ReturnType<typeof setInterval> | null = null;
  /** Padding bytes owed, and when the last tick counted them. */
  private padOwed = 0;
  private paddedAt = 0;

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
    this.endProbe();
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
      this.estimate.update({ bitsSent: bits, lossFraction: loss, seconds });
    this.judgeProbe(now, loss, congested);
    // Paced at the estimate, and never below a quarter above what the layers chosen bring in: the
    // pacer smooths bursts; choosing layers is what fits the estimate (a queue that only grew
    // would drop video the layer choice meant to send). A probe's padding comes on top.
    this.mediaBps = bitsIn / Math.max(seconds, 0.001);
    this.pacer.rateBps = Math.max(
      this.estimate.bitsPerSecond,
      1.25 * (this.mediaBps + (this.probe?.paddingBps ?? 0)),
    );
    this.choose(now, congested);
  }

  /** A probe ends at congestion (the estimate fell), or at its first report after its time. */
  private judgeProbe(now: number, loss: number | null, congested: boolean): void {
    const probe = this.probe;
    if (probe === null) return;
    if (loss !== null) probe.worst = Math.max(probe.worst ?? 0, loss);
    if (congested) {
      this.endProbe();
    } else if (now >= probe.until && probe.worst !== null) {
      // Below 2 % the estimate already rose with what was sent; 2-10 % is not room to grow.
      if (probe.worst >= 0.02) this.estimate.probeFailed(probe.fromBps);
      this.endProbe();
    } else if (now >= probe.until + PROBE_GIVE_UP_MS) {
      this.endProbe();
    }
  }

  /**
   * Probes for the step the choice could not make, on a link that lost packets lately (where the
   * estimate grows only by what was sent) and is not held after loss: a quarter above the
   * estimate at most.
   */
  private startProbe(now: number, needBps: number): void {
    if (this.probe !== null || needBps <= 0) return;
    if (!this.estimate.narrow || this.estimate.holding) return;
    const estimate = this.estimate.bitsPerSecond;
    const bps = estimate + Math.min(needBps, PROBE_STEP * estimate);
    const paddingBps = Math.max(0, bps - this.mediaBps);
    this.probe = { fromBps: estimate, paddingBps, until: now + PROBE_MS, worst: null };
    // The pacer lets it through from now, not from the next look (a queue would forgive it).
    this.pacer.rateBps = Math.max(this.pacer.rateBps, 1.25 * (this.mediaBps + paddingBps));
    this.padOwed = 0;
    this.paddedAt = now;
    this.padTimer = setInterval(() => this.pad(), PAD_INTERVAL_MS);
    this.padTimer.unref();
  }

  private endProbe(): void {
    if (this.padTimer !== null) clearInterval(this.padTimer);
    this.padTimer = null;
    this.probe = null;
  }

  /** Queues the padding due since the last tick on a video that flows, unless the queue is long. */
  private pad(): void {
    const probe = this.probe;
    const now = performance.now();
    // By the time that passed: a busy event loop fires the timer late, not the link idle. At
    // most 100 ms' worth at once, so a stall is not made up for in one burst.
    const seconds = Math.min(0.1, (now - this.paddedAt) / 1000);
    this.paddedAt = now;
    const carrier = this.slots.find((slot) => slot.canPad);
    if (probe === null || carrier === undefined) return;
    this.padOwed += (probe.paddingBps / 8) * seconds;
    // Padding behind a backlog would only delay the media: what is owed then is forgiven.
    if (this.pacer.waiting > (this.pacer.rateBps / 8) * 0.1) {
      this.padOwed = 0;
      return;
    }
    while (this.padOwed >= paddingWireBytes(1)) {
      const padding = Math.min(MAX_PADDING, Math.round(this.padOwed - paddingWireBytes(0)));
      if (padding < 1) break;
      carrier.pad(padding);
      this.padOwed -= paddingWireBytes(padding);
    }
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
    // A probe's first looks may show no loss yet: what it teaches counts once it is judged.
    const estimate = Math.min(this.estimate.bitsPerSecond, this.probe?.fromBps ?? Infinity);
    const budget = estimate - this.audioBits;
    // On a link that lost packets lately a video is let on only where it fits: the estimate there
    // grows by what was sent, so a video that does not fit waits for a probe.
    const narrow = this.estimate.holding || this.estimate.narrow;
    const choice = chooseLayers(budget, demands, narrow);
    if (narrow) this.startProbe(now, blockedStep(budget, demands, choice));
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
