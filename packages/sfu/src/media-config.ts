import { MEDIA_CODECS } from "@conclave/protocol";
import { type RTCPeerConnectionConfig, RTCRtpCodecParameters } from "werift";

type CodecData = (typeof MEDIA_CODECS)[keyof typeof MEDIA_CODECS];

/** werift wants mutable copies of the shared, frozen codec description. */
function codec(data: CodecData): ConstructorParameters<typeof RTCRtpCodecParameters>[0] {
  return { ...data, rtcpFeedback: data.rtcpFeedback.map((fb) => ({ ...fb })) };
}

/** What the SFU needs to know about its network; set by the server's configuration. */
export interface SfuOptions {
  /** Addresses announced as ICE host candidates besides the machine's own interfaces, e.g. the
   *  public address of a 1:1 NAT, or 127.0.0.1 for a loopback-only host. */
  readonly announcedAddresses: readonly string[];
  /** UDP port range for media, for firewalls; undefined lets the system choose. */
  readonly portRange?: readonly [number, number] | undefined;
  /** Minimum time between two keyframe requests sent to one publisher. */
  readonly keyframeIntervalMs: number;
  /** Test-only: sees every RTP packet the SFU receives (the leak test records them). */
  readonly packetTap?:
    | ((publisherId: string, kind: "audio" | "video", packet: Buffer) => void)
    | undefined;
  /**
   * Test-only: may replace (or, returning null, drop) each packet before it is forwarded. The
   * server's hostile-server harness attacks the clients' media with it.
   */
  readonly packetRewrite?:
    | ((
        roomId: string,
        publisherId: string,
        kind: "audio" | "video",
        packet: Buffer,
      ) => Buffer | null)
    | undefined;
}

/**
 * The shared codec list (MEDIA_CODECS). No RTP header extensions on either leg: werift copies a
 * publisher's extensions onto forwarded packets, which clash unless both legs negotiated the same
 * ids (FIELD-NOTES); with none there is nothing to clash.
 */
export function peerConfig(options: SfuOptions): RTCPeerConnectionConfig {
  return {
    iceServers: [],
    iceAdditionalHostAddresses: [...options.announcedAddresses],
    ...(options.portRange ? { icePortRange: [options.portRange[0], options.portRange[1]] } : {}),
    iceUseIpv6: false,
    // One ICE transport for all m-lines: werift otherwise gathers sockets per m-line of its
    // offers and never closes the ones the answer bundles away.
    bundlePolicy: "max-bundle",
    codecs: {
      audio: [new RTCRtpCodecParameters(codec(MEDIA_CODECS.audio))],
      video: [new RTCRtpCodecParameters(codec(MEDIA_CODECS.video))],
    },
    headerExtensions: { audio: [], video: [] },
  };
}
