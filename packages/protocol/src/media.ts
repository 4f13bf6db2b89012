/**
 * The media every participant sends and the SFU forwards in this version: Opus (in-band FEC and
 * DTX, RFC 7587 §6.1) and VP8 only, with fixed payload types, NACK and PLI for video
 * (docs/protocol.md). Plain data: each side turns it into its own media stack's objects; the SFU's
 * publish leg adds transport-wide congestion control (packages/sfu/src/media-config.ts).
 */
export const MEDIA_CODECS = {
  audio: {
    mimeType: "audio/opus",
    clockRate: 48000,
    channels: 2,
    payloadType: 111,
    parameters: "minptime=10;useinbandfec=1;usedtx=1",
    rtcpFeedback: [],
  },
  video: {
    mimeType: "video/VP8",
    clockRate: 90000,
    payloadType: 96,
    rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }],
  },
} as const;

/**
 * What a published track carries. The names are the SFrame stream contexts of @conclave/e2ee, so a
 * receiver can check that an m-line the server calls a screen carries frames keyed for a screen.
 */
export const MEDIA_SOURCES = ["microphone", "camera", "screen", "screenAudio"] as const;
export type MediaSource = (typeof MEDIA_SOURCES)[number];
export type MediaKind = "audio" | "video";

export const SOURCE_KIND: Readonly<Record<MediaSource, MediaKind>> = {
  microphone: "audio",
  camera: "video",
  screen: "video",
  screenAudio: "audio",
};

/**
 * The m-lines of a publish offer, in order: the first two always, the screen pair only from a
 * client that can share its screen (docs/protocol.md "Publish").
 */
export const PUBLISH_SOURCES: readonly MediaSource[] = MEDIA_SOURCES;
export const SCREEN_SOURCES: readonly MediaSource[] = ["screen", "screenAudio"];

/**
 * The camera's simulcast layers (RFC 8853 rids), lowest first: a quarter, half and full
 * resolution. The SFU forwards one of them to each receiver (packages/sfu/src/layer-choice.ts);
 * a publisher that sends one layer (no rids) is layer 0.
 */
export const SIMULCAST_RIDS = ["q", "h", "f"] as const;
export type SimulcastRid = (typeof SIMULCAST_RIDS)[number];
