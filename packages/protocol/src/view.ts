import { z } from "zod";

/** Most videos a page can say it shows: more than any layout puts on one screen. */
export const MAX_VIEW_VIDEOS = 64;

/** A receiving connection's m-line, as the page and the SFU name a video. */
const mid = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);

/** One video the page shows now: its m-line on the receiving connection and its size on screen. */
export const ViewedVideoSchema = z.strictObject({
  mid,
  /** Device pixels the tile's video takes on screen. */
  width: z.number().int().min(1).max(16_384),
  height: z.number().int().min(1).max(16_384),
});
export type ViewedVideo = z.infer<typeof ViewedVideoSchema>;

/**
 * What the page shows of the videos its receiving connection carries (docs/protocol.md "View"):
 * the SFU forwards a video only while it is listed, at a layer no larger than its size needs, and
 * serves the larger ones first. Audio is always forwarded. Until the first `view`, every video is
 * taken as shown at full size.
 */
export const ViewSchema = z
  .strictObject({
    type: z.literal("view"),
    videos: z.array(ViewedVideoSchema).max(MAX_VIEW_VIDEOS),
  })
  .refine((m) => new Set(m.videos.map((v) => v.mid)).size === m.videos.length, {
    message: "each m-line is listed once",
    path: ["videos"],
  });
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
