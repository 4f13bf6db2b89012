/**
 * Who the picture-in-picture window shows (ui/picture-in-picture/): the tile pinned on the stage,
 * else the active speaker, else someone else's screen, else the first other participant, else
 * ourselves. Pure, so the choice is tested without a browser.
 */
import type { StageTile } from "./stage-tiles.ts";

export interface PipTarget {
  readonly key: string;
  /** The tile's accessible name: "Ben", "Ben (screen)", "Ada (you)". */
  readonly label: string;
  readonly stream: MediaStream | null;
  /** Their camera is on and its video arrives. */
  readonly video: boolean;
}

export function pipTarget(
  tiles: readonly StageTile[],
  speaker: string | null,
  pinned: string | null,
): PipTarget | null {
  const byKey = (key: string | null) => tiles.find((t) => t.key === key);
  const others = tiles.filter((t) => !t.self);
  const chosen =
    byKey(pinned) ?? byKey(speaker) ?? others.find((t) => t.screen) ?? others[0] ?? tiles[0];
  if (chosen === undefined) return null;
  const { label, videoStream, videoOn } = chosen.view;
  return {
    key: chosen.key,
    label,
    stream: videoStream,
    video: videoOn && videoStream !== null,
  };
}
