import { MEDIA_CODECS } from "@conclave/protocol";
import {
  type RTCPeerConnectionConfig,
  RTCRtpCodecParameters,
  useSdesMid,
  useSdesRTPStreamId,
  useTransportWideCC,
  useTWCC,
} from "werift";
import type { MediaCounters } from "./media-counters.ts";
import type { MediaKind, PeerId } from "./types.ts";

type CodecData = (typeof MEDIA_CODECS)[keyof typeof MEDIA_CODECS];

/** werift wants mutable copies of the shared, frozen codec description. */
function codec(data: CodecData): ConstructorParameters<typeof RTCRtpCodecParameters>[0] {
  return { ...data, rtcpFeedback: data.rtcpFeedback.map((fb) => ({ ...fb })) };
}

/** The one test-only hook on the media path: the bytes to forward instead, or null for none. */
export type PacketInterceptor = (
  roomId: string,
  publisherId: PeerId,
  kind: MediaKind,
  packet: Buffer,
) => Buffer | null;

/** What the SFU needs to know about its network; set by the server's configuration. */
export interface SfuOptions {
  /** Addresses announced as ICE host candidates besides the machine's own interfaces, e.g. the
   *  public address of a 1:1 NAT, or 127.0.0.1 for a loopback-only host. */
  readonly announcedAddresses: readonly string[];
  /** Port range for media (UDP, and TCP with `iceTcp`), for firewalls; undefined lets the system choose. */
  readonly portRange?: readonly [number, number] | undefined;
  /**
   * ICE over TCP (RFC 6544): each connection also listens on a TCP port per address (a passive
   * candidate), for participants whose network lets TCP through but not UDP.
   */
  readonly iceTcp?: boolean | undefined;
  /** Minimum time between two keyframe requests sent to one publisher. */
  readonly keyframeIntervalMs: number;
  /**
   * Test-only: sees each received packet before it is forwarded, and may replace it or (null)
   * drop it. The server's capture records packets with it, and its hostile-server harness attacks
   * the clients' media with it (packages/server/src/interception.ts).
   */
  readonly interceptPacket?: PacketInterceptor | undefined;
}

/** A codec with transport-wide congestion control feedback (`transport-cc`) added. */
function withTwcc(data: CodecData): RTCRtpCodecParameters {
  const params = codec(data);
  return new RTCRtpCodecParameters({
    ...params,
    rtcpFeedback: [...(params.rtcpFeedback ?? []), useTWCC()],
  });
}

/**
 * Retransmissions of the video codec on a stream of their own (RFC 4588), for the receiving leg:
 * the SFU's resends to a receiver that takes it go there (receiver-seams.ts `resendRtpNow`).
 */
function videoRtx(): RTCRtpCodecParameters {
  return new RTCRtpCodecParameters({
    mimeType: "video/rtx",
    clockRate: MEDIA_CODECS.video.clockRate,
    payloadType: MEDIA_CODECS.video.payloadType + 1,
    parameters: `apt=${MEDIA_CODECS.video.payloadType}`,
  });
}

/**
 * The receiving (subscribe) leg: the shared codec list (MEDIA_CODECS) with transport-wide
 * congestion control on audio and video (the header extension, stamped by werift's sender, and
 * the `transport-cc` feedback the receiver answers with), which the SFU's estimate of the
 * receiver's downlink reads (downlink-fit.ts), and RTX for video's resends (a receiver that does
 * not take it, such as a bot, gets them on the media stream). The producer strips the
 * publisher's extensions before forwarding (werift's sender would copy them onto the packet,
 * clashing with ids of this leg). One extension object for both kinds: werift numbers its offers'
 * extensions in list order, so one object keeps one id per URI.
 */
export function peerConfig(options: SfuOptions): RTCPeerConnectionConfig {
  const transportCc = useTransportWideCC();
  return {
    iceServers: [],
    iceAdditionalHostAddresses: [...options.announcedAddresses],
    ...(options.portRange ? { icePortRange: [options.portRange[0], options.portRange[1]] } : {}),
    iceUseIpv6: false,
    // Passive candidates only matter here: browsers dial them (tcptype active), never the reverse.
    iceUseTcp: options.iceTcp ?? false,
    // One ICE transport for all m-lines: werift otherwise gathers sockets per m-line of its
    // offers and never closes the ones the answer bundles away.
    bundlePolicy: "max-bundle",
    codecs: {
      audio: [withTwcc(MEDIA_CODECS.audio)],
      video: [withTwcc(MEDIA_CODECS.video), videoRtx()],
    },
    headerExtensions: { audio: [transportCc], video: [transportCc] },
  };
}

/**
 * The publishing leg: as the receiving leg (the SFU writes the feedback here:
 * transport-feedback.ts, so the publisher's estimator sees the path to the SFU), plus the mid and
 * rid extensions (RFC 8843 §15, RFC 8852) that simulcast layers are told apart by (RFC 8853), but
 * no RTX: werift's router cannot route a simulcast layer's RTX stream (docs/media-adaptation.md),
 * so a publisher resends on the media stream.
 */
export function publishConfig(options: SfuOptions): RTCPeerConnectionConfig {
  const transportCc = useTransportWideCC();
  const mid = useSdesMid();
  return {
    ...peerConfig(options),
    codecs: { audio: [withTwcc(MEDIA_CODECS.audio)], video: [withTwcc(MEDIA_CODECS.video)] },
    headerExtensions: {
      audio: [mid, transportCc],
      video: [mid, transportCc, useSdesRTPStreamId()],
    },
  };
}

/** What every room of one SFU shares, handed down to each peer and producer it makes. */
export interface RoomSettings {
  /** The receiving leg's configuration (peerConfig). */
  readonly config: RTCPeerConnectionConfig;
  /** The publishing leg's configuration (publishConfig). */
  readonly publishConfig: RTCPeerConnectionConfig;
  /** Minimum time between two keyframe requests sent to one publisher. */
  readonly keyframeIntervalMs: number;
  readonly interceptPacket: PacketInterceptor | undefined;
  /** Told each closed producer's final counts, so the SFU's totals never go backwards. */
  readonly retire: (counters: MediaCounters) => void;
}
