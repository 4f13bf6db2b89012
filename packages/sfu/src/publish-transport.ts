import { type MediaStreamTrack, RTCPeerConnection, type RTCRtpReceiver } from "werift";
import { type MediaKind, NegotiationError, type RemoteCandidate } from "./types.ts";

export type TrackListener = (
  kind: MediaKind,
  track: MediaStreamTrack,
  receiver: RTCRtpReceiver,
) => void;

/** The participant-to-server connection: the participant offers, the server answers. */
export class PublishTransport {
  private pc: RTCPeerConnection;
  private negotiated = false;

  constructor(
    private readonly config: ConstructorParameters<typeof RTCPeerConnection>[0],
    private readonly onTrack: TrackListener,
  ) {
    this.pc = this.createConnection();
  }

  private createConnection(): RTCPeerConnection {
    const pc = new RTCPeerConnection(this.config);
    pc.ontrack = ({ track, receiver }) => {
      if (track.kind === "audio" || track.kind === "video")
        this.onTrack(track.kind, track, receiver);
    };
    return pc;
  }

  /** Takes the participant's offer (one audio and one video m-line) and returns the answer. */
  async answer(offerSdp: string): Promise<string> {
    if (this.negotiated) throw new NegotiationError("already publishing");
    const kinds = [...offerSdp.matchAll(/^m=(\w+) /gm)].map((m) => m[1]);
    if (kinds.length !== 2 || kinds[0] !== "audio" || kinds[1] !== "video") {
      throw new NegotiationError("the offer must have one audio then one video m-line");
    }
    try {
      await this.pc.setRemoteDescription({ type: "offer", sdp: offerSdp });
      await this.pc.setLocalDescription(await this.pc.createAnswer());
    } catch (error) {
      // Start over with a fresh connection, so a bad offer leaves nothing behind.
      this.pc.close().catch(() => {});
      this.pc = this.createConnection();
      throw new NegotiationError(`offer rejected: ${(error as Error).message}`);
    }
    const sdp = this.pc.localDescription?.sdp;
    if (!sdp) throw new NegotiationError("no answer was produced");
    this.negotiated = true;
    return sdp;
  }

  async addIceCandidate(candidate: RemoteCandidate): Promise<void> {
    await this.pc.addIceCandidate(candidate);
  }

  close(): void {
    this.pc.close().catch(() => {});
  }
}
