import type { MediaKind, MediaSource, ViewedVideo } from "@conclave/protocol";

/** The SFU's own vocabulary. It names peers by opaque ids and never sees keys or names. */
export type { MediaKind, MediaSource, ViewedVideo };
export type PeerId = string;

/** One m-line of a receiving connection and whose media it carries. */
export interface ForwardedTrack {
  readonly mid: string;
  readonly publisherId: PeerId;
  readonly kind: MediaKind;
  readonly source: MediaSource;
}

/** What the SFU tells a participant, through its signalling connection. */
export interface ReceiverSignals {
  /** A new subscribe offer, and whose media each m-line carries. */
  offer(sdp: string, tracks: ForwardedTrack[]): void;
  /** The shown videos paused to fit its link, by mid; empty once none is. */
  videosPaused(mids: string[]): void;
  /** How many of its camera's simulcast layers, lowest first, anyone needs now. */
  cameraLayers(layers: number): void;
}

/** A local ICE candidate the peer gave us, as it arrived over signalling. */
export interface RemoteCandidate {
  readonly candidate: string;
  readonly sdpMid: string | null;
  readonly sdpMLineIndex: number | null;
}

/** Thrown when an SDP offer or answer cannot be applied; the server maps it to a wire error. */
export class NegotiationError extends Error {
  override readonly name = "NegotiationError";
}
