import {
  type IceServer,
  type MediaKind,
  type MediaSource,
  type ParticipantId,
  PUBLISH_SOURCES,
  SIMULCAST_RIDS,
  type SimulcastRid,
  SOURCE_KIND,
  type SubscribedTrack,
} from "@conclave/protocol";

export interface CandidateOut {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

/**
 * What the connections need of the E2EE worker (call/e2ee-worker-client.ts): an encoded transform
 * on every sender, sealing with its source's key, and on every receiver.
 */
export interface FrameTransforms {
  attachSender(sender: RTCRtpSender, source: MediaSource): void;
  attachReceiver(receiver: RTCRtpReceiver, kind: MediaKind, mid: string | null): void;
}

/** What the receiving connection currently carries for one remote participant, by source. */
export type RemoteTracks = Partial<Record<MediaSource, MediaStreamTrack>>;

/** Whose media each m-line of the receiving connection carries, by mid. */
export type ReceivedTracks = Readonly<Record<string, SubscribedTrack>>;

const CODEC: Record<MediaKind, string> = { audio: "audio/opus", video: "video/vp8" };

/**
 * No STUN: the server lists its own candidates in its SDP. TURN when the server has a relay: its
 * credentials came in `welcome` or `admitted` (docs/protocol.md "Relays"), for networks that let
 * nothing but web traffic out.
 */
function newPeerConnection(
  iceServers: readonly IceServer[],
  onCandidate: (c: CandidateOut) => void,
): RTCPeerConnection {
  const pc = new RTCPeerConnection({
    iceServers: rtcIceServers(iceServers),
    bundlePolicy: "max-bundle",
  });
  pc.addEventListener("icecandidate", ({ candidate }) => {
    if (!candidate?.candidate) return;
    onCandidate({
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid,
      sdpMLineIndex: candidate.sdpMLineIndex,
    });
  });
  return pc;
}

function rtcIceServers(iceServers: readonly IceServer[]): RTCIceServer[] {
  return iceServers.map((s) => ({ ...s, urls: [...s.urls] }));
}

/**
 * A reconnection brings fresh relay credentials: the next ICE gathering uses them. A browser that
 * refuses the change keeps the ones it has, which stay valid for a day (docs/protocol.md "Relays").
 */
function useRelays(pc: RTCPeerConnection, iceServers: readonly IceServer[]): void {
  try {
    pc.setConfiguration({ ...pc.getConfiguration(), iceServers: rtcIceServers(iceServers) });
  } catch (error) {
    console.warn("kept the previous relay credentials", error);
  }
}

/** Opus and VP8 only (docs/protocol.md): what the SFU forwards and the E2EE step understands. */
function restrictCodecs(transceiver: RTCRtpTransceiver, kind: MediaKind): void {
  const codecs = RTCRtpReceiver.getCapabilities(kind)?.codecs ?? [];
  const wanted = codecs.filter((c) => c.mimeType.toLowerCase() === CODEC[kind]);
  if (wanted.length > 0) transceiver.setCodecPreferences(wanted);
}

/**
 * The camera's three layers (SIMULCAST_RIDS): full, half and a quarter resolution, so the SFU can
 * give each receiver what its downlink and tile take. Highest first: Chromium sends fewer layers
 * from a small camera (two below 960×540) and drops them from the end of this list, so a 640×480
 * camera still sends its full resolution. Chromium's encoded transform sees every layer's frames
 * in the sender's one transform, so SFrame seals them all from the camera's stream context with
 * one counter, and no nonce repeats across layers.
 */
const CAMERA_LAYERS: RTCRtpEncodingParameters[] = SIMULCAST_RIDS.map((rid, i) => ({
  rid,
  scaleResolutionDownBy: 2 ** (SIMULCAST_RIDS.length - 1 - i),
  // Three temporal layers each: a receiver whose link cannot carry even the quarter layer whole
  // gets half or a quarter of its frames (packages/sfu/src/layer-choice.ts temporalLimits).
  scalabilityMode: "L1T3",
  // The quarter layer is what a narrow link gets: at 150 kbit/s it did not fit 300 kbit/s beside
  // two voices (about 110), at 100 it does (docs/performance.md "Impaired networks").
  ...(i === 0 ? { maxBitrate: 100_000 } : i === 1 ? { maxBitrate: 500_000 } : {}),
})).reverse();

/**
 * Whether this browser publishes the camera in layers: Chromium does (detected by its own encoded
 * streams API); Firefox publishes one layer, which the SFU forwards as layer 0
 * (docs/media-adaptation.md says why).
 */
function sendsSimulcast(): boolean {
  return "createEncodedStreams" in RTCRtpSender.prototype;
}

/**
 * The sending connection: one sendonly transceiver per source, in the protocol's order
 * (microphone, camera, screen, screen audio), each with its own SFrame stream context. Negotiated
 * once; a source that is off has no track.
 */
export class SendConnection {
  readonly pc: RTCPeerConnection;
  private readonly transceivers = new Map<MediaSource, RTCRtpTransceiver>();
  /** Changes of the camera's layers, one after another (each reads the parameters it sets). */
  private layering: Promise<void> = Promise.resolve();

  constructor(
    transforms: FrameTransforms,
    tracks: Partial<Record<MediaSource, MediaStreamTrack | null>>,
    iceServers: readonly IceServer[],
    onCandidate: (c: CandidateOut) => void,
  ) {
    this.pc = newPeerConnection(iceServers, onCandidate);
    for (const source of PUBLISH_SOURCES) {
      const kind = SOURCE_KIND[source];
      const transceiver = this.pc.addTransceiver(tracks[source] ?? kind, {
        direction: "sendonly",
        ...(source === "camera" && sendsSimulcast() ? { sendEncodings: CAMERA_LAYERS } : {}),
      });
      restrictCodecs(transceiver, kind);
      transforms.attachSender(transceiver.sender, source);
      this.transceivers.set(source, transceiver);
    }
    void this.keepScreenSharp();
  }

  /** A shared screen keeps its resolution when bandwidth is short; it drops frames instead. */
  private async keepScreenSharp(): Promise<void> {
    const sender = this.transceivers.get("screen")?.sender;
    if (!sender) return;
    const parameters = sender.getParameters();
    parameters.degradationPreference = "maintain-resolution";
    await sender.setParameters(parameters).catch(() => {});
  }

  /**
   * Encodes only the lowest `count` of the camera's simulcast layers (`camera-layers`): the SFU
   * says how many any receiver's tile needs, and the others would take the uplink and processor
   * from the ones that are received. The layers come back when told; a camera of one layer
   * (Firefox) is left as it is.
   */
  setCameraLayers(count: number): Promise<void> {
    const sender = this.transceivers.get("camera")?.sender;
    if (!sender) return Promise.resolve();
    this.layering = this.layering.then(async () => {
      const parameters = sender.getParameters();
      if (parameters.encodings.length < 2) return;
      for (const encoding of parameters.encodings) {
        encoding.active = SIMULCAST_RIDS.indexOf(encoding.rid as SimulcastRid) < count;
      }
      await sender.setParameters(parameters).catch(() => {});
    });
    return this.layering;
  }

  /**
   * Each source's sender stats: asked of each sender, so no browser needs to link outbound-rtp to
   * its track (Firefox's outbound-rtp has no `mediaSourceId`).
   */
  statsBySource(): Promise<Array<[MediaSource, RTCStatsReport]>> {
    return Promise.all(
      [...this.transceivers].map(
        async ([source, t]) => [source, await t.sender.getStats()] as [MediaSource, RTCStatsReport],
      ),
    );
  }

  /** The offer to publish; `iceRestart` after a reconnection, on the connection we kept. */
  async createOffer(iceRestart = false): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer({ iceRestart }));
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new Error("no local description");
    return sdp;
  }

  applyAnswer(sdp: string): Promise<void> {
    return this.pc.setRemoteDescription({ type: "answer", sdp });
  }

  useRelays(iceServers: readonly IceServer[]): void {
    useRelays(this.pc, iceServers);
  }

  /**
   * Swaps the track without renegotiating; null sends nothing (camera off, no share). The sender
   * keeps its encoded transform, so the worker's SFrame counter for the source's KID goes on.
   */
  async replaceTrack(source: MediaSource, track: MediaStreamTrack | null): Promise<void> {
    const sender = this.transceivers.get(source)?.sender;
    if (!sender || this.pc.signalingState === "closed" || sender.track === track) return;
    await sender.replaceTrack(track);
  }

  close(): void {
    this.pc.close();
  }
}

/** The receiving connection, made on the first `subscribe-offer`. */
export class ReceiveConnection {
  readonly pc: RTCPeerConnection;
  /** mid → whose media, as of the last offer. */
  private mids = new Map<string, SubscribedTrack>();

  constructor(
    private readonly transforms: FrameTransforms,
    iceServers: readonly IceServer[],
    onCandidate: (c: CandidateOut) => void,
  ) {
    this.pc = newPeerConnection(iceServers, onCandidate);
  }

  /**
   * What each m-line carries as of the offer about to be applied; m-lines are reused for new
   * publishers, so this is replaced on every offer.
   */
  setTracks(tracks: readonly SubscribedTrack[]): void {
    this.mids = new Map(tracks.map((t) => [t.mid, t]));
  }

  /** Applies an offer and returns the answer's SDP. */
  async answer(sdp: string): Promise<string> {
    await this.pc.setRemoteDescription({ type: "offer", sdp });
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.receiver.track.kind === "audio" ? "audio" : "video";
      this.transforms.attachReceiver(transceiver.receiver, kind, transceiver.mid);
    }
    await this.pc.setLocalDescription(await this.pc.createAnswer());
    const answer = this.pc.localDescription?.sdp;
    if (!answer) throw new Error("no local description");
    return answer;
  }

  useRelays(iceServers: readonly IceServer[]): void {
    useRelays(this.pc, iceServers);
  }

  /** Tracks per remote participant; m-lines not listed in the last offer are inactive. */
  remoteTracks(): Map<ParticipantId, RemoteTracks> {
    const out = new Map<ParticipantId, RemoteTracks>();
    for (const transceiver of this.pc.getTransceivers()) {
      const listed = transceiver.mid === null ? undefined : this.mids.get(transceiver.mid);
      if (!listed) continue;
      const track = transceiver.receiver.track;
      if (track.kind !== listed.kind) continue;
      const entry = out.get(listed.participantId) ?? {};
      entry[listed.source] = track;
      out.set(listed.participantId, entry);
    }
    return out;
  }

  /** mid → participant id, for per-participant stats. */
  midMap(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [mid, t] of this.mids) out[mid] = t.participantId;
    return out;
  }

  /** mid → participant and source, for the worker (which checks each m-line's KIDs) and stats. */
  tracksByMid(): ReceivedTracks {
    return Object.fromEntries(this.mids);
  }

  close(): void {
    this.pc.close();
  }
}
