import { z } from "zod";
import { PARTICIPANT_ID_PATTERN, type ParticipantId } from "./ids.ts";
import { SIMULCAST_RIDS } from "./media.ts";

/** Most videos a page can say it shows: more than any layout puts on one screen. */
export const MAX_VIEW_VIDEOS = 64;

/** A receiving connection's m-line, as the SFU names a video it forwards. */
const mid = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);

/**
 * One video the page shows now: whose, which (their camera or their screen), and its size on
 * screen. Named by publisher, not m-line: in a large meeting a camera off screen has no m-line
 * until the page shows it (docs/protocol.md "View").
 */
export const ViewedVideoSchema = z.strictObject({
  participantId: z
    .string()
    .regex(PARTICIPANT_ID_PATTERN)
    .transform((s) => s as ParticipantId),
  source: z.enum(["camera", "screen"]),
  /** Device pixels the tile's video takes on screen. */
  width: z.number().int().min(1).max(16_384),
  height: z.number().int().min(1).max(16_384),
});
export type ViewedVideo = z.infer<typeof ViewedVideoSchema>;

/**
 * What the page shows of the meeting's videos (docs/protocol.md "View"): the SFU forwards a video
 * only while it is listed, at a layer no larger than its size needs, and serves the larger ones
 * first. Audio is always forwarded. Until the first `view`, every video is taken as shown at full
 * size (up to the receiver's pool of m-lines).
 */
export const ViewSchema = z
  .strictObject({
    type: z.literal("view"),
    videos: z.array(ViewedVideoSchema).max(MAX_VIEW_VIDEOS),
  })
  .refine(
    (m) => new Set(m.videos.map((v) => `${v.participantId}/${v.source}`)).size === m.videos.length,
    { message: "each video is listed once", path: ["videos"] },
  );
export type View = z.infer<typeof ViewSchema>;

/**
 * The shown videos the SFU pauses for this receiver now (docs/protocol.md "View"): its link lost
 * packets lately and cannot carry their lowest layer besides the larger tiles'
 * (packages/sfu/src/layer-choice.ts). Each message replaces the last; an empty list: none paused.
 */
export const VideosPausedSchema = z.strictObject({
  type: z.literal("videos-paused"),
  mids: z
    .array(mid)
    .max(MAX_VIEW_VIDEOS)
    .refine((mids) => new Set(mids).size === mids.length, {
      message: "each m-line is listed once",
    }),
});
export type VideosPaused = z.infer<typeof VideosPausedSchema>;

/**
 * The simulcast layers of its camera anyone needs now (docs/protocol.md "View"), told to the
 * publisher: the lowest `layers` of SIMULCAST_RIDS (1: the quarter only, 3: all). Its page stops
 * encoding the others (`RTCRtpEncodingParameters.active`) and starts them again when told, so
 * its uplink and its processor carry only what some receiver's tile is large enough for. Each
 * message replaces the last.
 */
export const CameraLayersSchema = z.strictObject({
  type: z.literal("camera-layers"),
  layers: z.number().int().min(1).max(SIMULCAST_RIDS.length),
});
export type CameraLayers = z.infer<typeof CameraLayersSchema>;
