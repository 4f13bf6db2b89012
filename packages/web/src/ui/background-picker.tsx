import { useId } from "preact/hooks";
import type { LocalMedia } from "../call/local-media.ts";
import {
  BACKDROP_IMAGES,
  BACKGROUND_CHOICES,
  type BackgroundChoice,
} from "../effects/backdrops.ts";
import type { CameraEffectState } from "../effects/camera-effect.ts";
import { useStore } from "./use-store.ts";

const LABELS: Readonly<Record<BackgroundChoice, string>> = {
  none: "No effect",
  blur: "Blur background",
  dawn: BACKDROP_IMAGES.dawn.label,
  study: BACKDROP_IMAGES.study.label,
};

function statusText(
  { choice, status, notice, frameMs }: CameraEffectState,
  cameraOn: boolean,
): string {
  if (notice) return notice;
  if (choice === "none") return "Done on this device, before encryption.";
  if (!cameraOn) return "Applied when your camera is on.";
  if (status === "loading") return "Loading the background effect… Your video is paused meanwhile.";
  const cost = frameMs === null ? "" : ` (${frameMs} ms a frame here)`;
  return `Done on this device, before encryption: nobody receives your real background${cost}.`;
}

/**
 * The camera's background: none, blurred, or a built-in picture (effects/camera-effect.ts). When
 * the device turns out too slow the effect switches itself off and this says why.
 */
export function BackgroundPicker({ local }: { local: LocalMedia }) {
  const effect = useStore(local.effect);
  const media = useStore(local);
  const id = useId();
  const warn = effect.status === "too-slow" || effect.status === "failed";
  return (
    <fieldset class="field background-picker" aria-describedby={`${id}-status`}>
      <legend>Background</legend>
      <div class="checks">
        {BACKGROUND_CHOICES.map((choice) => (
          <label class="check" key={choice}>
            <input
              type="radio"
              name={`${id}-background`}
              value={choice}
              checked={effect.choice === choice}
              onChange={() => local.effect.choose(choice)}
            />
            {LABELS[choice]}
          </label>
        ))}
      </div>
      <p
        id={`${id}-status`}
        class={warn ? "message message-warn" : "hint"}
        role="status"
        data-effect-status={effect.status}
      >
        {statusText(effect, media.camera === "on")}
      </p>
    </fieldset>
  );
}
