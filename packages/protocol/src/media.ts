/**
 * The media every participant sends and the SFU forwards in this version: Opus and VP8 only, with
 * fixed payload types, NACK and PLI for video, and no RTP header extensions on any leg
 * (docs/protocol.md). Plain data: each side turns it into its own media stack's objects.
 */
export const MEDIA_CODECS = {
  audio: {
    mimeType: "audio/opus",
    clockRate: 48000,
    channels: 2,
    payloadType: 111,
    parameters: "minptime=10;useinbandfec=1",
    rtcpFeedback: [],
  },
  video: {
    mimeType: "video/VP8",
    clockRate: 90000,
    payloadType: 96,
    rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }],
  },
} as const;
