import { type IceServer, MEDIA_CODECS } from "@conclave/protocol";
import { type RTCPeerConnectionConfig, RTCRtpCodecParameters } from "werift";

/** werift wants mutable copies of the shared, frozen codec description. */
function codec(data: (typeof MEDIA_CODECS)[keyof typeof MEDIA_CODECS]) {
  return { ...data, rtcpFeedback: data.rtcpFeedback.map((fb) => ({ ...fb })) };
}

/**
 * Both of the bot's peer connections. The shared codec list (MEDIA_CODECS), and
 * no RTP header extensions: werift copies a publisher's extensions onto forwarded packets, so both
 * legs must agree, and docs/protocol.md says none. ICE servers: only the TURN relay the server
 * handed out in `welcome` (werift tries the first turn: URL, and TCP to the same address when its
 * UDP fails), never werift's default public STUN server, unreachable here (FIELD-NOTES); loopback is
 * added for loopback-only hosts. `relayOnly` gathers nothing but the relay's candidate.
 * max-bundle: one ICE transport for both m-lines from the first offer; with werift's default each
 * m-line of our offer gathers its own sockets and the unbundled ones were never closed. IPv4 only,
 * as the server announces only IPv4 addresses.
 */
export function botPeerConfig(
  iceServers: readonly IceServer[],
  relayOnly: boolean,
): RTCPeerConnectionConfig {
  return {
    iceServers: iceServers.map((s) => ({ ...s, urls: [...s.urls] })),
    iceTransportPolicy: relayOnly ? "relay" : "all",
    iceAdditionalHostAddresses: ["127.0.0.1"],
    iceUseIpv6: false,
    bundlePolicy: "max-bundle",
    codecs: {
      audio: [new RTCRtpCodecParameters(codec(MEDIA_CODECS.audio))],
      video: [new RTCRtpCodecParameters(codec(MEDIA_CODECS.video))],
    },
    headerExtensions: { audio: [], video: [] },
  };
}
