/**
 * The media of one meeting (docs/protocol.md "Lifecycle"): the sending connection made after
 * `welcome`, the receiving one made by the server's first offer, our tracks following the camera,
 * microphone and screen share, and twice a second a look at what arrives (stalled video, who
 * speaks). Connections end with their signalling connection; the session lasts the whole meeting.
 */
import type {
  ClientMessage,
  IceServer,
  MediaSource,
  Participant,
  ParticipantId,
  SubscribedTrack,
} from "@conclave/protocol";
import type { LocalMedia, LocalMediaState } from "./local-media.ts";
import {
  type CandidateOut,
  type FrameTransforms,
  ReceiveConnection,
  type ReceivedTracks,
  type RemoteTracks,
  SendConnection,
} from "./peer-connections.ts";
import { readReceiveHealth } from "./receive-health.ts";
import type { ScreenShare, ScreenShareState } from "./screen-share.ts";
import { Store } from "./store.ts";
import { VideoWatchdog } from "./video-watchdog.ts";
import { ViewReport, visibleVideos } from "./visible-videos.ts";

export interface MediaSessionState {
  /** The worse of the two peer connections' states. */
  readonly connection: RTCPeerConnectionState | "new";
  /** Remote participants whose audio is above a speaking level right now. */
  readonly speaking: readonly ParticipantId[];
}

/** What the session needs of the meeting around it. */
export interface MediaSessionDeps {
  /** The E2EE worker's transforms, told whose media each receiving mid carries. */
  readonly transforms: FrameTransforms & { setReceiveMids(mids: ReceivedTracks): void };
  readonly local: LocalMedia;
  readonly screen: ScreenShare;
  /** Sends on the current signalling connection; nothing while there is none. */
  send(message: ClientMessage): void;
  /** Runs a task in the meeting's order, after the server messages handled before it. */
  enqueue(task: () => Promise<void> | void): void;
  /**
   * Whether we are in the meeting: media state and screen share go to the server only then, since
   * a knock may send nothing but its KeyPackage (docs/protocol.md "Lobby"). What changed while we
   * waited goes with the publish that follows admission.
   */
  inMeeting(): boolean;
  /** Who the server lists now: what arrives is attributed to them. */
  listed(): ReadonlyMap<ParticipantId, Participant>;
  /** The receiving connection carries other tracks. */
  tracksChanged(): void;
  /** A media connection dropped: the network may have changed, so check the signalling too. */
  mediaDropped(): void;
  announce(text: string): void;
}

/** What diagnostics and the call monitor read: the two connections and what each mid carries. */
export interface MediaConnections {
  readonly sendConnection: RTCPeerConnection | null;
  readonly receiveConnection: RTCPeerConnection | null;
  receiveTracks(): ReceivedTracks;
}

/** Receiving nothing for this long while someone sends makes the session check its signalling. */
const SILENCE_CHECK_MS = 500;

/** Worst first: the banner shows the worse of the two connections. */
const CONNECTION_ORDER: readonly RTCPeerConnectionState[] = [
  "failed",
  "disconnected",
  "connecting",
  "new",
  "connected",
  "closed",
];

export class MediaSession extends Store<MediaSessionState> implements MediaConnections {
  private send: SendConnection | null = null;
  private recv: ReceiveConnection | null = null;
  /** TURN relays with our credential, from the last `welcome` or `admitted`. */
  private iceServers: readonly IceServer[] = [];
  private checkTimer: ReturnType<typeof setInterval> | undefined;
  private readonly watchdog: VideoWatchdog;
  private readonly screenWatchdog: VideoWatchdog;
  private lastLocal: LocalMediaState;
  private lastScreen: ScreenShareState;
  /** The receiving transport's byte count at the last check, and since when it stood still. */
  private lastBytes: number | null = null;
  private lastBytesAt = 0;
  private readonly unsubscribe: (() => void)[];
  /** Tells the server which received videos the page shows, so it forwards only those. */
  private readonly view: ViewReport;
  /** Receive mids the SFU paused to fit our link (videos-paused). */
  private paused: ReadonlySet<string> = new Set();

  constructor(private readonly deps: MediaSessionDeps) {
    super({ connection: "new", speaking: [] });
    this.watchdog = new VideoWatchdog((participantId) =>
      deps.send({ type: "keyframe-request", participantId }),
    );
    this.screenWatchdog = new VideoWatchdog((participantId) =>
      deps.send({ type: "keyframe-request", participantId, source: "screen" }),
    );
    this.view = new ViewReport((videos) => deps.send({ type: "view", videos }));
    this.lastLocal = deps.local.state;
    this.lastScreen = deps.screen.state;
    this.unsubscribe = [
      deps.local.subscribe(() => this.onLocalChange()),
      deps.screen.subscribe(() => this.onScreenChange()),
    ];
  }

  get sendConnection(): RTCPeerConnection | null {
    return this.send?.pc ?? null;
  }

  /** The sending connection's stats per source; empty before we publish. */
  sendStats(): Promise<Array<[MediaSource, RTCStatsReport]>> {
    return this.send?.statsBySource() ?? Promise.resolve([]);
  }

  get receiveConnection(): RTCPeerConnection | null {
    return this.recv?.pc ?? null;
  }

  /** mid → participant and source on the receiving connection. */
  receiveTracks(): ReceivedTracks {
    return this.recv?.tracksByMid() ?? {};
  }

  /** Receive mids the SFU paused to fit our link; their tiles say so. */
  get pausedVideos(): ReadonlySet<string> {
    return this.paused;
  }

  /** The SFU says how many of our camera's layers anyone needs (camera-layers). */
  setCameraLayers(count: number): Promise<void> {
    return this.send?.setCameraLayers(count) ?? Promise.resolve();
  }

  /** The SFU says which of the videos we show it paused to fit our link (none: resumed). */
  setPaused(mids: readonly string[]): void {
    this.paused = new Set(mids);
    this.deps.tracksChanged();
  }

  /** Tracks per remote participant on the receiving connection. */
  remoteTracks(): Map<ParticipantId, RemoteTracks> {
    return this.recv?.remoteTracks() ?? new Map();
  }

  /** Whether we still have connections that ICE can restart on (see publish). */
  get keepsConnections(): boolean {
    return this.send !== null && this.send.pc.connectionState !== "closed";
  }

  /**
   * After `welcome` or `admitted`: the sending connection, offered with the tracks we have now;
   * both connections may go through the relays it came with. After a drop whose place and media
   * the server kept (`mediaKept`), the connections we kept restart ICE instead, perhaps from
   * another address (docs/protocol.md "Reconnecting"): the server's next offer for the receiving
   * one restarts it too.
   */
  async publish(iceServers: readonly IceServer[], mediaKept = false): Promise<void> {
    this.iceServers = iceServers;
    const kept = mediaKept ? this.send : null;
    if (kept) {
      kept.useRelays(iceServers);
      this.recv?.useRelays(iceServers);
    } else {
      this.close();
      this.send = this.newSendConnection(iceServers);
    }
    clearInterval(this.checkTimer);
    this.checkTimer = setInterval(() => void this.checkMedia(), 500);
    const sdp = await (kept ?? this.send)?.createOffer(kept !== null);
    if (sdp === undefined) return;
    this.deps.send({ type: "publish", sdp });
    this.sendMediaState();
    // A share outlives a reconnection on our side; the server is told again.
    if (this.deps.screen.state.video) this.sendScreenShare();
  }

  private newSendConnection(iceServers: readonly IceServer[]): SendConnection {
    const { audioTrack, videoTrack } = this.deps.local.state;
    const screen = this.deps.screen.state;
    const send = new SendConnection(
      this.deps.transforms,
      {
        microphone: audioTrack,
        camera: videoTrack,
        screen: screen.video,
        screenAudio: screen.audio,
      },
      iceServers,
      (c) => this.sendCandidate("send", c),
    );
    this.watchConnection(send.pc);
    return send;
  }

  async applyAnswer(sdp: string): Promise<void> {
    await this.send?.applyAnswer(sdp);
  }

  /** The server's offer for the receiving connection, made on the first one. */
  async answerOffer(sdp: string, tracks: readonly SubscribedTrack[]): Promise<void> {
    if (!this.recv) {
      this.recv = new ReceiveConnection(this.deps.transforms, this.iceServers, (c) =>
        this.sendCandidate("recv", c),
      );
      this.watchConnection(this.recv.pc);
      this.view.reset();
    }
    // The worker learns whose media each mid carries before any frame of the new mapping.
    this.recv.setTracks(tracks);
    this.deps.transforms.setReceiveMids(this.recv.tracksByMid());
    const answer = await this.recv.answer(sdp);
    this.deps.send({ type: "subscribe-answer", sdp: answer });
    this.deps.tracksChanged();
  }

  /**
   * The signalling connection dropped: the connections stay for an ICE restart if we take our
   * place back (publish), and nothing is checked until then.
   */
  hold(): void {
    clearInterval(this.checkTimer);
  }

  /** The connections end; the watchdogs keep what they saw. */
  close(): void {
    clearInterval(this.checkTimer);
    this.paused = new Set();
    this.send?.close();
    this.send = null;
    this.recv?.close();
    this.recv = null;
    this.update({ connection: "new", speaking: [] });
  }

  /** The meeting is over for us: nothing follows our devices any more. */
  stop(): void {
    this.close();
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  private sendCandidate(transport: "send" | "recv", c: CandidateOut): void {
    this.deps.send({ type: "ice-candidate", transport, ...c });
  }

  private watchConnection(pc: RTCPeerConnection): void {
    pc.addEventListener("connectionstatechange", () => {
      const states = [this.send?.pc.connectionState, this.recv?.pc.connectionState];
      const worst = CONNECTION_ORDER.find((s) => states.includes(s)) ?? "new";
      this.update({ connection: worst });
      if (pc.connectionState === "disconnected" || pc.connectionState === "failed") {
        this.deps.mediaDropped();
      }
    });
  }

  private onLocalChange(): void {
    const now = this.deps.local.state;
    const before = this.lastLocal;
    this.lastLocal = now;
    if (now.audioTrack !== before.audioTrack) {
      this.deps.enqueue(() => this.send?.replaceTrack("microphone", now.audioTrack));
    }
    if (now.videoTrack !== before.videoTrack) {
      this.deps.enqueue(() => this.send?.replaceTrack("camera", now.videoTrack));
    }
    if (now.mic !== before.mic || now.camera !== before.camera) this.sendMediaState();
  }

  /**
   * A share starts with its tracks on the screen transceivers, then the server is told to forward
   * them; it stops the other way round, so receivers never wait on a screen that sends nothing.
   */
  private onScreenChange(): void {
    const now = this.deps.screen.state;
    const before = this.lastScreen;
    this.lastScreen = now;
    if (now.video === before.video && now.audio === before.audio) return;
    this.deps.enqueue(async () => {
      if (!now.video) this.sendScreenShare();
      await this.send?.replaceTrack("screen", now.video);
      await this.send?.replaceTrack("screenAudio", now.audio);
      if (now.video) this.sendScreenShare();
    });
    this.deps.announce(
      now.video ? "You are sharing your screen" : "You stopped sharing your screen",
    );
  }

  private sendScreenShare(): void {
    if (!this.deps.inMeeting()) return;
    const { video, audio } = this.deps.screen.state;
    this.deps.send({ type: "screen-share", video: video !== null, audio: audio !== null });
  }

  private sendMediaState(): void {
    if (!this.deps.inMeeting()) return;
    const { mic, camera, audioTrack, videoTrack } = this.deps.local.state;
    this.deps.send({
      type: "media-state",
      audio: mic === "on" && audioTrack !== null,
      video: camera === "on" && videoTrack !== null,
    });
  }

  /** Twice a second: stalled remote video gets a keyframe request, audio levels mark speakers. */
  /**
   * Nothing at all arrived on the receiving connection for half a second while someone sends: the
   * network may have changed under us (a laptop between Wi-Fi and cable), long before ICE says
   * so (Chromium takes about 6 s). The signalling is checked at once.
   */
  private watchSilence(bytesReceived: number | null): void {
    const now = Date.now();
    if (bytesReceived === null || bytesReceived !== this.lastBytes) {
      this.lastBytes = bytesReceived;
      this.lastBytesAt = now;
      return;
    }
    if (now - this.lastBytesAt >= SILENCE_CHECK_MS) {
      this.lastBytesAt = now;
      this.deps.mediaDropped();
    }
  }

  private async checkMedia(): Promise<void> {
    // Said before the first offer too: in a large meeting it decides which cameras that carries.
    this.view.report(visibleVideos(document));
    const recv = this.recv;
    if (!recv) return;
    let report: RTCStatsReport;
    try {
      report = await recv.pc.getStats();
    } catch {
      return; // closed meanwhile
    }
    if (recv !== this.recv) return;
    const tracks = recv.tracksByMid();
    const { decoded, screensDecoded, speaking, bytesReceived, expectsMedia } = readReceiveHealth(
      report,
      tracks,
      this.deps.listed(),
    );
    this.watchSilence(expectsMedia ? bytesReceived : null);
    // A paused video stands still on purpose: a keyframe would not move it.
    const moving = (frames: Map<ParticipantId, number>, source: MediaSource) => {
      for (const mid of this.paused) {
        const track = tracks[mid];
        if (track?.source === source) frames.delete(track.participantId as ParticipantId);
      }
      return frames;
    };
    this.watchdog.observe(moving(decoded, "camera"));
    this.screenWatchdog.observe(moving(screensDecoded, "screen"));
    const before = this.state.speaking;
    if (speaking.length !== before.length || speaking.some((id) => !before.includes(id))) {
      this.update({ speaking });
    }
  }
}
