import { readFile } from "node:fs/promises";
import { MediaFormatError } from "./errors.ts";
import { parseIvf } from "./ivf.ts";
import { parseOggOpus } from "./ogg.ts";

/** The looping media a bot publishes: whole VP8 frames and Opus packets, ready to packetize. */
export interface Clip {
  readonly video: {
    readonly frames: readonly { readonly data: Uint8Array; readonly keyframe: boolean }[];
    readonly fps: number;
  };
  readonly audio: {
    readonly packets: readonly Uint8Array[];
    /** Every packet of the shipped clip is 20 ms (make-clip.sh); pacing relies on it. */
    readonly frameMs: 20;
  };
}

const MEDIA = new URL("../media/", import.meta.url);

/** Builds a clip from IVF (VP8) and Ogg Opus bytes; throws MediaFormatError on bad input. */
export function clipFromBytes(ivf: Uint8Array, ogg: Uint8Array): Clip {
  const video = parseIvf(ivf);
  if (!video.ok) throw video.error;
  const audio = parseOggOpus(ogg);
  if (!audio.ok) throw audio.error;
  const { header, frames } = video.value;
  if (header.fourcc !== "VP80") {
    throw new MediaFormatError("BAD_IVF", `expected VP8, found ${header.fourcc}`);
  }
  const first = frames[0];
  const last = frames[frames.length - 1];
  // Frames are evenly spaced in the clips we make: derive the rate from the span they cover.
  const ticks =
    first && last && frames.length > 1
      ? (last.timestamp - first.timestamp) / (frames.length - 1)
      : 1;
  const fps = header.timebaseDenominator / (header.timebaseNumerator * ticks);
  if (!Number.isFinite(fps) || fps <= 0 || fps > 120) {
    throw new MediaFormatError("BAD_IVF", `implausible frame rate ${fps}`);
  }
  // RFC 6386 §9.1: the P bit of the first byte is 0 on a keyframe.
  const videoFrames = frames.map((f) => ({ data: f.data, keyframe: ((f.data[0] ?? 1) & 1) === 0 }));
  if (!videoFrames[0]?.keyframe) {
    throw new MediaFormatError("BAD_IVF", "the clip must start with a keyframe to loop");
  }
  return {
    video: { frames: videoFrames, fps },
    audio: { packets: audio.value.packets, frameMs: 20 },
  };
}

/** The clip shipped in packages/bot/media (made by make-clip.sh). */
export async function loadShippedClip(): Promise<Clip> {
  const [ivf, ogg] = await Promise.all([
    readFile(new URL("clip.ivf", MEDIA)),
    readFile(new URL("clip.ogg", MEDIA)),
  ]);
  return clipFromBytes(ivf, ogg);
}
