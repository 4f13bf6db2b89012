import type { LocalMedia } from "../call/local-media.ts";
import type { MicEffectState } from "../effects/mic-effect.ts";
import { useStore } from "./use-store.ts";

function hintOf({ supported, status, notice }: MicEffectState): string | null {
  if (!supported) {
    return "Not in this browser, which keeps its own noise suppression (removing background noise on this device needs Chromium).";
  }
  if (notice) return notice;
  if (status === "loading") return "Starting background noise removal…";
  return null;
}

/**
 * RNNoise on the microphone, on this device (effects/mic-effect.ts), beside the browser's own
 * noise suppression; where the browser cannot run it (Firefox) the switch is off and says why.
 */
export function NoiseSuppressionSwitch({ local }: { local: LocalMedia }) {
  const effect = useStore(local.micEffect);
  const hint = hintOf(effect);
  return (
    <>
      <label class="check">
        <input
          type="checkbox"
          checked={effect.supported && effect.enabled}
          disabled={!effect.supported}
          data-noise-status={effect.status}
          onChange={(e) => local.micEffect.choose(e.currentTarget.checked)}
        />
        Remove background noise (RNNoise, on this device)
      </label>
      {hint && (
        <p class={effect.status === "failed" ? "message message-warn" : "hint"} role="status">
          {hint}
        </p>
      )}
    </>
  );
}
