import { type RTCPeerConnectionConfig, RTCRtpCodecParameters } from "werift";
import { OPUS_PAYLOAD_TYPE, VP8_PAYLOAD_TYPE } from "./publisher.ts";

/**
 * Both of the bot's peer connections. Opus and VP8 with the payload types the server uses, and
 * no RTP header extensions: werift copies a publisher's extensions onto forwarded packets, so both
 * legs must agree, and docs/protocol.md says none. No ICE servers: werift's default public STUN
 * server is unreachable here (FIELD-NOTES), and loopback is added for loopback-only hosts.
 * max-bundle: one ICE transport for both m-lines from the first offer; with werift's default each
 * m-line of our offer gathers its own sockets and the unbundled ones were never closed. IPv4 only,
 * as the server announces only IPv4 addresses.
 */
export function botPeerConfig(): RTCPeerConnectionConfig {
  return {
    iceServers: [],
    iceAdditionalHostAddresses: ["127.0.0.1"],
    iceUseIpv6: false,
    bundlePolicy: "max-bundle",
    codecs: {
      audio: [
        new RTCRtpCodecParameters({
          mimeType: "audio/opus",
          clockRate: 48000,
          channels: 2,
          payloadType: OPUS_PAYLOAD_TYPE,
        }),
      ],
      video: [
        new RTCRtpCodecParameters({
          mimeType: "video/VP8",
          clockRate: 90000,
          payloadType: VP8_PAYLOAD_TYPE,
          rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }],
        }),
      ],
    },
    headerExtensions: { audio: [], video: [] },
  };
}
