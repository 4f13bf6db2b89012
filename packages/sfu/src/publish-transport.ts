import { PUBLISH_SOURCES, SOURCE_KIND } from "@conclave/protocol";
import { type MediaStreamTrack, RTCPeerConnection, type RTCRtpReceiver } from "werift";
import { withBundleOnlyPorts } from "./bundle-only.ts";
import { withoutHiddenCandidates } from "./hidden-candidates.ts";
import { canRestartIce, restartableIce } from "./ice-restart.ts";
import { withOpusFecAndDtx } from "./opus-fmtp.ts";
import { ReceiveFeedback } from "./receiver-seams.ts";
import { type MediaSource, NegotiationError, type RemoteCandidate } from "./types.ts";

export type TrackListener = (
  source: MediaSource,
  track: MediaStreamTrack,
  receiver: RTCRtpReceiver,
) => void;

/**
 * What each m-line of a publish offer carries, by position (PUBLISH_SOURCES): microphone and
 * camera, then optionally the screen and its audio. Keyed by mid, which is what werift reports.
 */
function sourcesByMid(offerSdp: string): Map<string, MediaSource> {
  const sections = offerSdp.split(/^(?=m=)/m).slice(1);
  const allowed = [2, PUBLISH_SOURCES.length];
  if (!allowed.includes(sections.length)) {
    throw new NegotiationError(
      "the offer must have audio and video m-lines, optionally followed by screen video and audio",
    );
  }
  const sources = new Map<string, MediaSource>();
  sections.forEach((section, i) => {
    const source = PUBLISH_SOURCES[i] as MediaSource;
    const kind = /^m=(\w+) /.exec(section)?.[1];
    const mid = /^a=mid:(\S+)/m.exec(section)?.[1];
    if (kind !== SOURCE_KIND[source]) {
      throw new NegotiationError(`m-line ${i} must be ${SOURCE_KIND[source]} (${source})`);
    }
    if (mid === undefined || sources.has(mid)) {
      throw new NegotiationError(`m-line ${i} needs a mid of its own`);
    }
    sources.set(mid, source);
  });
  return sources;
}

/**
 * The participant-to-server connection: the participant offers, the server answers. What it
 * receives is answered with the SFU's own transport-wide feedback and bounded retransmission
 * requests (receiver-seams.ts), paced by `roundTripMs`: this leg only receives, so it has no round
 * trip of its own; the participant's receiving connection runs over the same path and measures one.
 */
export class PublishTransport {
  private pc: RTCPeerConnection;
  /** mid → source, from the offer; null until one was accepted. */
  private sources: Map<string, MediaSource> | null = null;
  private readonly feedback: ReceiveFeedback;

  constructor(
    private readonly config: ConstructorParameters<typeof RTCPeerConnection>[0],
    private readonly onTrack: TrackListener,
    /** ICE found a pair again after a restart (restartableIce). */
    private readonly onRestarted: () => void = () => {},
    roundTripMs: () => number | undefined = () => undefined,
  ) {
    this.pc = this.createConnection();
    this.feedback = new ReceiveFeedback(roundTripMs);
  }

  /** Retransmission requests this connection sent its publisher, counting repeats. */
  get nacksRequested(): number {
    return this.feedback.nacksRequested;
  }

  private createConnection(): RTCPeerConnection {
    const pc = restartableIce(new RTCPeerConnection(this.config), () => this.onRestarted());
    pc.ontrack = ({ track, receiver, transceiver }) => {
      const source = transceiver.mid === null ? undefined : this.sources?.get(transceiver.mid);
      if (source !== undefined && track.kind === SOURCE_KIND[source]) {
        this.onTrack(source, track, receiver);
      }
    };
    return pc;
  }

  /** Whether the accepted offer has the screen m-lines. */
  get canShareScreen(): boolean {
    return (this.sources?.size ?? 0) === PUBLISH_SOURCES.length;
  }

  /**
   * Takes the participant's offer (see sourcesByMid) and returns the answer. Once publishing, only
   * an offer with the same m-lines is taken: an ICE restart after its participant came back
   * (docs/protocol.md "Reconnecting"); werift restarts ICE when the credentials changed, and the
   * media goes on where it was.
   */
  async answer(offerSdp: string): Promise<string> {
    const sources = sourcesByMid(offerSdp);
    if (this.sources !== null) {
      const current = this.sources;
      const same =
        sources.size === current.size && [...sources].every(([m, s]) => current.get(m) === s);
      if (!same) throw new NegotiationError("already publishing other m-lines");
      return this.negotiate(offerSdp);
    }
    // Set before the remote description: werift reports tracks while applying it.
    this.sources = sources;
    try {
      return await this.negotiate(offerSdp);
    } catch (error) {
      // Start over with a fresh connection, so a bad first offer leaves nothing behind.
      this.sources = null;
      this.pc.close().catch(() => {});
      this.pc = this.createConnection();
      throw error;
    }
  }

  /** Whether ICE can restart on it: neither failed nor closed. */
  get restartable(): boolean {
    return canRestartIce(this.pc);
  }

  private async negotiate(offerSdp: string): Promise<string> {
    try {
      const sdp = withoutHiddenCandidates(withBundleOnlyPorts(offerSdp));
      await this.pc.setRemoteDescription({ type: "offer", sdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
    } catch (error) {
      throw new NegotiationError(`offer rejected: ${(error as Error).message}`);
    }
    for (const transceiver of this.pc.getTransceivers()) this.feedback.adopt(transceiver.receiver);
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new NegotiationError("no answer was produced");
    return withOpusFecAndDtx(sdp);
  }

  async addIceCandidate(candidate: RemoteCandidate): Promise<void> {
    await this.pc.addIceCandidate(candidate);
  }

  close(): void {
    this.feedback.close();
    this.pc.close().catch(() => {});
  }
}
