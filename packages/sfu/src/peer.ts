import { SCREEN_SOURCES } from "@conclave/protocol";
import { EncoderLayers } from "./encoder-layers.ts";
import { isHiddenCandidate } from "./hidden-candidates.ts";
import type { RoomSettings } from "./media-config.ts";
import { Producer } from "./producer.ts";
import { PublishTransport } from "./publish-transport.ts";
import { SubscribeTransport } from "./subscribe-transport.ts";
import type {
  MediaSource,
  PeerId,
  ReceiverSignals,
  RemoteCandidate,
  ViewedVideo,
} from "./types.ts";

/**
 * A participant as the media plane sees it: one connection each way and what it publishes. Its
 * room made it and closes it (Room.removePeer); closing closes both transports and every producer.
 */
export class Peer {
  private readonly published = new Map<MediaSource, Producer>();
  readonly publishTransport: PublishTransport;
  readonly subscribeTransport: SubscribeTransport;
  /** Screen sources being shared now. */
  private readonly sharing = new Set<MediaSource>();
  /**
   * Microphone and camera its participant has not yet said are on (Room.announceMedia): not
   * forwarded until then, so that someone who never sends costs the others no m-lines. Once on,
   * a source stays forwarded: muting and unmuting renegotiate nothing, unless a large meeting's
   * receiver reused the muted microphone's m-line (subscribe-transport.ts, the pool).
   */
  private readonly unannounced: Set<MediaSource>;
  /** Microphone and camera its participant says are off now. */
  private readonly off = new Set<MediaSource>();
  private closed = false;
  /** Its participant is away (hold) and has not reconnected. */
  private away = false;
  /** How many layers its simulcast camera encodes, told as its receivers' tiles change. */
  private cameraLayers: { readonly count: EncoderLayers; readonly timer: NodeJS.Timeout } | null =
    null;

  constructor(
    roomId: string,
    readonly id: PeerId,
    settings: RoomSettings,
    private signals: ReceiverSignals | null,
    onProducer: (producer: Producer) => void,
    unannounced: readonly MediaSource[] = [],
  ) {
    this.unannounced = new Set(unannounced);
    this.subscribeTransport = new SubscribeTransport(settings.config, signals);
    this.publishTransport = new PublishTransport(
      settings.publishConfig,
      (source, track, receiver) => {
        if (this.closed || this.published.has(source)) return;
        const producer = new Producer(roomId, id, source, track, receiver, settings);
        producer.on = !this.off.has(source);
        this.published.set(source, producer);
        if (source === "camera" && producer.layerCount > 1) this.watchCameraLayers(producer);
        onProducer(producer);
      },
      // Its receivers lost what it sent while its path was down: they start again from keyframes.
      () => {
        for (const producer of this.published.values()) producer.requestKeyframe();
      },
      () => this.subscribeTransport.roundTripMs(),
    );
  }

  /**
   * Looks once a second at how many of its camera's layers its receivers' tiles need, and tells
   * its page when that changes (encoder-layers.ts).
   */
  private watchCameraLayers(producer: Producer): void {
    const count = new EncoderLayers(producer.layerCount);
    const timer = setInterval(() => {
      const tell = count.update(producer.layersNeeded(), performance.now());
      if (tell !== null) this.signals?.cameraLayers(tell);
    }, 1000);
    timer.unref();
    this.cameraLayers = { count, timer };
  }

  /** What it publishes, by source. */
  get producers(): ReadonlyMap<MediaSource, Producer> {
    return this.published;
  }

  /** Whether this peer's `source` goes to the others (its producer, once it exists). */
  forwards(source: MediaSource): boolean {
    if (SCREEN_SOURCES.includes(source)) return this.sharing.has(source);
    return !this.unannounced.has(source);
  }

  /** Its participant says `source` (microphone or camera) is on or off. */
  announce(source: MediaSource, on: boolean): void {
    if (on) {
      this.off.delete(source);
      this.unannounced.delete(source);
    } else this.off.add(source);
    const producer = this.published.get(source);
    if (producer) producer.on = on;
  }

  /** Marks a screen source shared or not; returns whether that changed anything. */
  setSharing(source: MediaSource, on: boolean): boolean {
    if (this.forwards(source) === on) return false;
    if (on) this.sharing.add(source);
    else this.sharing.delete(source);
    return true;
  }

  /** What the participant's page shows of the videos it receives (subscribe-transport.ts). */
  setView(videos: readonly ViewedVideo[]): void {
    this.subscribeTransport.setView(videos);
  }

  /** Takes the participant's publish offer and returns the SFU's answer. */
  answerPublish(offerSdp: string): Promise<string> {
    return this.publishTransport.answer(offerSdp);
  }

  /** Applies the participant's answer to the SFU's last subscribe offer. */
  applySubscribeAnswer(sdp: string): Promise<void> {
    return this.subscribeTransport.applyAnswer(sdp);
  }

  /**
   * Hands a trickled candidate to the connection; a hidden (mDNS) one is left out, and its owner is
   * reached by the address its checks come from (hidden-candidates.ts).
   */
  async addIceCandidate(
    transport: "send" | "recv",
    candidate: RemoteCandidate,
  ): Promise<"added" | "hidden"> {
    if (isHiddenCandidate(candidate.candidate)) return "hidden";
    const target = transport === "send" ? this.publishTransport : this.subscribeTransport;
    await target.addIceCandidate(candidate);
    return "added";
  }

  /**
   * Its participant's signalling connection dropped and its place is held: both connections stay
   * negotiated, but nothing is forwarded to it or from it, and changes wait for it (reconnect).
   * The others list it as away; it would see frames of epochs it has not caught up with.
   */
  hold(): void {
    this.away = true;
    this.signals = null;
    this.subscribeTransport.hold();
    for (const producer of this.published.values()) producer.setPaused(true);
  }

  /** Whether its participant is connected: not away since a drop. */
  get present(): boolean {
    return !this.away;
  }

  /**
   * Its participant is back on `signals`' connection and kept its peer connections: the
   * receiving side restarts ICE at once, the publishing side when the participant offers. False
   * if a connection cannot restart (it failed or closed while the participant was away).
   */
  reconnect(signals: ReceiverSignals): boolean {
    const { publishTransport, subscribeTransport } = this;
    if (this.closed || !publishTransport.restartable || !subscribeTransport.restartable) {
      return false;
    }
    this.away = false;
    this.signals = signals;
    // Its page may have restarted its camera with every layer on; this sets it straight.
    if (this.cameraLayers) signals.cameraLayers(this.cameraLayers.count.retell());
    subscribeTransport.reconnect(signals);
    for (const producer of this.published.values()) producer.setPaused(false);
    return true;
  }

  /** Closes both connections and every producer; the room detaches them from receivers first. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.cameraLayers) clearInterval(this.cameraLayers.timer);
    for (const producer of this.published.values()) producer.close();
    this.published.clear();
    this.publishTransport.close();
    this.subscribeTransport.close();
  }
}
