export { canRestartIce, restartableIce } from "./ice-restart.ts";
export { KeyframeLimiter } from "./keyframe-limiter.ts";
export type { PacketInterceptor, SfuOptions } from "./media-config.ts";
export type { Peer } from "./peer.ts";
export type { Room, ScreenShare } from "./room.ts";
export { Sfu, type SfuStats } from "./sfu.ts";
export {
  type ForwardedTrack,
  type MediaKind,
  type MediaSource,
  NegotiationError,
  type PeerId,
  type ReceiverSignals,
  type RemoteCandidate,
} from "./types.ts";
