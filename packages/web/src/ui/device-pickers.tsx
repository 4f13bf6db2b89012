import { useId } from "preact/hooks";
import type { LocalMedia } from "../call/local-media.ts";
import { LevelBar } from "./level-bar.tsx";
import { useStore } from "./use-store.ts";

/** Camera and microphone pickers with a live level meter; used before and during a meeting. */
export function DevicePickers({ local }: { local: LocalMedia }) {
  const media = useStore(local);
  const id = useId();
  return (
    <>
      <div class="field">
        <label for={`${id}-camera`}>Camera</label>
        <select
          id={`${id}-camera`}
          value={media.cameraId ?? media.cameras[0]?.deviceId ?? ""}
          disabled={media.cameras.length === 0}
          onChange={(e) => void local.selectCamera(e.currentTarget.value)}
        >
          {media.cameras.length === 0 && <option value="">No camera available</option>}
          {media.cameras.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${id}-mic`}>Microphone</label>
        <select
          id={`${id}-mic`}
          value={media.micId ?? media.mics[0]?.deviceId ?? ""}
          disabled={media.mics.length === 0}
          onChange={(e) => void local.selectMic(e.currentTarget.value)}
        >
          {media.mics.length === 0 && <option value="">No microphone available</option>}
          {media.mics.map((d) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label}
            </option>
          ))}
        </select>
        <div class="level-row">
          <LevelBar track={media.audioTrack} />
          <span class="hint">
            {media.audioTrack
              ? "Speak to test your microphone"
              : media.mic === "pending"
                ? "Starting microphone…"
                : "Microphone not in use"}
          </span>
        </div>
      </div>
    </>
  );
}
