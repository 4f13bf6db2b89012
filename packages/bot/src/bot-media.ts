import type { ClientMessage, Participant, SubscribedTrack } from "@conclave/protocol";
import { canRestartIce, restartableIce } from "@conclave/sfu";
import { MediaStreamTrack, RTCPeerConnection, type RTCPeerConnectionConfig } from "werift";
import type { Clip } from "./clip.ts";
import type { BotE2ee } from "./e2ee.ts";
import { completeSdp } from "./ice-gathering.ts";
import { ClipPublisher, type PublisherCounters } from "./publisher.ts";
import type { RemoteStats } from "./receive-ledger.ts";
import { Subscriber } from "./subscriber.ts";

/**
 * The bot's two peer connections, as a browser's (docs/protocol.md "Publish"): the sending one with
 * the clip's publisher, the receiving one with its subscriber. After a drop they restart ICE if the
 * server kept its side too (restart), else they are made anew (closeConnection, publish); the
 * frame encryption is the meeting's and stays (bot.ts owns it).
 */
export interface BotMediaContext {
  readonly clip: Clip | null;
  readonly e2ee: BotE2ee;
  /** Both connections' werift configuration, with the ICE servers of the last `welcome`. */
  readonly peerConfig: () => RTCPeerConnectionConfig;
  /** To the server, on the connection in force. */
  readonly send: (message: ClientMessage) => void;
  /** The bot is leaving or its media closed for good: offers are no longer answered. */
  readonly stopped: () => boolean;
  /** Tiles of the grid page it receives as (BotOptions.gridTiles); null sends no view. */
  readonly gridTiles: number | null;
}

/** A cell of a 3 × 3 grid on a 1280 × 720 stage, in device pixels. */
const GRID_CELL = { width: 426, height: 240 };

/** What the bot's stats show of its media. */
export interface BotMediaStats {
  sendConnection: string;
  receiveConnection: string;
  sent: PublisherCounters | null;
  remote: Record<string, RemoteStats>;
  failedOffers: number;
  unmappedPackets: number;
  screenPackets: number;
}

export class BotMedia {
  private sendPc: RTCPeerConnection | null = null;
  private publisher: ClipPublisher | null = null;
  private subscriber: Subscriber | null = null;
  /** Subscribe offers the bot could not answer. */
  private failedOffers = 0;
  /** Offers are answered one at a time, in order. */
  private offers: Promise<void> = Promise.resolve();
  /** The cameras of the last view sent, to send only changes; null: send the next whatever. */
  private lastView: string | null = null;

  constructor(private readonly context: BotMediaContext) {}

  /**
   * Opens the sending connection and publishes: `negotiate` sends the offer and resolves with the
   * server's answer. Then tells the server whether the microphone and camera are on.
   */
  async publish(timeoutMs: number, negotiate: (offer: string) => Promise<string>): Promise<void> {
    const { clip, e2ee } = this.context;
    const sendPc = restartableIce(new RTCPeerConnection(this.context.peerConfig()));
    this.sendPc = sendPc;
    // docs/protocol.md §Publish: two sendonly transceivers, audio then video (the bot shares no
    // screen, so it leaves out the optional screen pair); without tracks when not publishing, which the server accepts like a browser with camera and mic off.
    const audioTrack = clip ? new MediaStreamTrack({ kind: "audio" }) : null;
    const videoTrack = clip ? new MediaStreamTrack({ kind: "video" }) : null;
    sendPc.addTransceiver(audioTrack ?? "audio", { direction: "sendonly" });
    const video = sendPc.addTransceiver(videoTrack ?? "video", { direction: "sendonly" });
    if (clip && audioTrack && videoTrack) {
      // The sealer is the meeting's, not the connection's: SFrame counters carry on after a
      // reconnection, so no (KID, counter) is ever used twice.
      const publisher = new ClipPublisher(clip, audioTrack, videoTrack, (kind, frame) =>
        e2ee.seal(kind, frame),
      );
      this.publisher = publisher;
      video.sender.onPictureLossIndication.subscribe(() => publisher.requestKeyframe());
      // Packets written before DTLS is up are dropped by werift: start the clock when connected.
      sendPc.connectionStateChange.subscribe((state) => {
        if (state === "connected") publisher.start();
      });
    }
    await sendPc.setLocalDescription(await sendPc.createOffer());
    const answer = await negotiate(await completeSdp(sendPc, timeoutMs));
    await sendPc.setRemoteDescription({ type: "answer", sdp: answer });
    this.context.send({ type: "media-state", audio: clip !== null, video: clip !== null });
  }

  /** Whether there is a sending connection that ICE can restart on (docs/protocol.md "Reconnecting"). */
  get keepsConnection(): boolean {
    return this.sendPc !== null && canRestartIce(this.sendPc);
  }

  /**
   * Back on a new signalling connection with the connections kept on both sides: an ICE-restart
   * offer on the sending one; the server's next offer restarts the receiving one.
   */
  async restart(timeoutMs: number, negotiate: (offer: string) => Promise<string>): Promise<void> {
    const sendPc = this.sendPc;
    if (!sendPc) throw new Error("no sending connection to restart");
    await sendPc.setLocalDescription(await sendPc.createOffer({ iceRestart: true }));
    const answer = await negotiate(await completeSdp(sendPc, timeoutMs));
    await sendPc.setRemoteDescription({ type: "answer", sdp: answer });
    const clip = this.context.clip;
    this.context.send({ type: "media-state", audio: clip !== null, video: clip !== null });
  }

  /** A `subscribe-offer`: answered after the ones before it. */
  offer(sdp: string, tracks: readonly SubscribedTrack[]): void {
    this.offers = this.offers.then(() => this.answerOffer(sdp, tracks));
  }

  /** Stops sending the clip (leaving: nothing more goes out). */
  stopPublishing(): void {
    this.publisher?.stop();
  }

  /** Closes this connection's peer connections; each only once (werift leaks ICE sockets when
   * close() runs twice at once). */
  async closeConnection(): Promise<void> {
    const { publisher, subscriber, sendPc } = this;
    this.publisher = null;
    this.subscriber = null;
    this.sendPc = null;
    publisher?.stop();
    await Promise.allSettled([subscriber?.close(), sendPc?.close()]);
  }

  /**
   * Says (`view`) which cameras its grid page shows: the first `gridTiles - 1` of `roster` that
   * are on, at a grid cell's size. Sent when that changes, and again after `resetView`.
   */
  showGrid(roster: readonly Participant[]): void {
    const tiles = this.context.gridTiles;
    if (tiles === null) return;
    const shown = roster.filter((p) => p.video).slice(0, tiles - 1);
    const key = shown.map((p) => p.id).join(",");
    if (key === this.lastView) return;
    this.lastView = key;
    this.context.send({
      type: "view",
      videos: shown.map((p) => ({ participantId: p.id, source: "camera", ...GRID_CELL })),
    });
  }

  /** A new server connection: the next showGrid sends its view whatever it says. */
  resetView(): void {
    this.lastView = null;
  }

  stats(): BotMediaStats {
    return {
      sendConnection: this.sendPc?.connectionState ?? "none",
      receiveConnection: this.subscriber?.pc.connectionState ?? "none",
      sent: this.publisher ? { ...this.publisher.counters } : null,
      remote: this.subscriber?.stats() ?? {},
      failedOffers: this.failedOffers,
      unmappedPackets: this.subscriber?.unmappedPackets ?? 0,
      screenPackets: this.subscriber?.screenPackets ?? 0,
    };
  }

  private async answerOffer(sdp: string, tracks: readonly SubscribedTrack[]): Promise<void> {
    if (this.context.stopped()) return;
    const { e2ee, send } = this.context;
    try {
      this.subscriber ??= new Subscriber(
        restartableIce(new RTCPeerConnection(this.context.peerConfig())),
        (publisher) => send({ type: "keyframe-request", participantId: publisher }),
        (track, frame) => e2ee.open(track, frame),
      );
      await this.subscriber.answer(sdp, tracks);
      const answer = await completeSdp(this.subscriber.pc, 10_000);
      send({ type: "subscribe-answer", sdp: answer });
    } catch {
      // The server waits for an answer before its next offer; without one the bot receives
      // nothing new. Record it where stats() shows it.
      this.failedOffers++;
    }
  }
}
