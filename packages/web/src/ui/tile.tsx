import { type TileView, VIDEO_PAUSED } from "../call/stage-tiles.ts";
import { HandIcon, MicOffIcon, VerifiedIcon } from "./icons.tsx";
import { VideoView } from "./media-view.tsx";
import { QualityIndicator } from "./quality-indicator.tsx";

function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words;
  return letters
    .map((w) => [...(w ?? "")][0] ?? "")
    .join("")
    .toUpperCase();
}

/** Hue from the name, so each person's avatar keeps its colour. */
function hue(name: string): number {
  let h = 0;
  for (const c of name) h = (h * 31 + (c.codePointAt(0) ?? 0)) % 360;
  return h;
}

/**
 * One participant or screen share: a figure named after them, holding their video (or avatar).
 * Their audio plays elsewhere (ui/audio-outputs.tsx), so it does not stop with the tile.
 */
export function Tile(props: TileView) {
  const {
    label,
    name,
    videoStream,
    videoOn,
    micOn,
    self = false,
    status,
    speaking = false,
    hand = false,
    reactions = [],
    quality = null,
    verified = false,
    wants = null,
  } = props;
  const showVideo = videoOn && videoStream !== null;
  const paused = status === VIDEO_PAUSED;
  return (
    <figure
      class={`tile${self ? " self" : ""}${speaking ? " speaking" : ""}${paused ? " paused" : ""}`}
      aria-label={label}
      data-video={wants ? `${wants.participantId}/${wants.source}` : undefined}
    >
      <VideoView stream={videoStream} mirrored={self} hidden={!showVideo} />
      {!showVideo && (
        <div class="avatar" aria-hidden="true">
          <span
            class="avatar-circle"
            ref={(el) => el?.style.setProperty("--hue", String(hue(name)))}
          >
            {initials(name) || "?"}
          </span>
        </div>
      )}
      <figcaption class="tile-caption" aria-hidden="true">
        {!micOn && (
          <span class="tile-muted">
            <MicOffIcon />
          </span>
        )}
        <span class="tile-name">{self ? `${name} (you)` : name}</span>
        {verified && (
          <span class="tile-verified" data-verified="">
            <VerifiedIcon />
          </span>
        )}
      </figcaption>
      {!micOn && <span class="sr-only">Microphone off</span>}
      {verified && <span class="sr-only">Verified</span>}
      {status && <span class="tile-status">{status}</span>}
      {hand && (
        <span class="tile-hand">
          <HandIcon />
          Hand raised
        </span>
      )}
      {reactions.length > 0 && (
        <span class="tile-reactions">
          {reactions.map((r) => (
            <span key={r.id} class="tile-reaction">
              {r.emoji}
            </span>
          ))}
        </span>
      )}
      {quality && <QualityIndicator quality={quality} />}
    </figure>
  );
}
