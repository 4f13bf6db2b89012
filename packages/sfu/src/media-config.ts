import { type RTCPeerConnectionConfig, RTCRtpCodecParameters } from "werift";

/** What the SFU needs to know about its network; set by the server's configuration. */
export interface SfuOptions {
  /** Addresses announced as ICE host candidates besides the machine's own interfaces, e.g. the
   *  public address of a 1:1 NAT, or 127.0.0.1 for a loopback-only host. */
  readonly announcedAddresses: readonly string[];
  /** UDP port range for media, for firewalls; undefined lets the system choose. */
  readonly portRange?: readonly [number, number] | undefined;
  /** Minimum time between two keyframe requests sent to one publisher. */
  readonly keyframeIntervalMs: number;
}

/**
 * Opus and VP8 only in this version. No RTP header extensions on either leg: werift copies a
 * publisher's extensions onto forwarded packets, which clash unless both legs negotiated the same
 * ids (FIELD-NOTES); with none there is nothing to clash.
 */
export function peerConfig(options: SfuOptions): RTCPeerConnectionConfig {
  return {
    iceServers: [],
    iceAdditionalHostAddresses: [...options.announcedAddresses],
    ...(options.portRange ? { icePortRange: [options.portRange[0], options.portRange[1]] } : {}),
    iceUseIpv6: false,
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: "audio/opus",
          clockRate: 48000,
          channels: 2,
          payloadType: 111,
          parameters: "minptime=10;useinbandfec=1",
        }),
      ],
      video: [
        new RTCRtpCodecParameters({
          mimeType: "video/VP8",
          clockRate: 90000,
          payloadType: 96,
          rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }],
        }),
      ],
    },
    headerExtensions: { audio: [], video: [] },
  };
}
