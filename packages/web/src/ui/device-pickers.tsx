import "./device-pickers.css";
import { useId } from "preact/hooks";
import type { LocalMedia } from "../call/local-media.ts";
import { LevelBar } from "./level-bar.tsx";
import { useStore } from "./use-store.ts";

/**
 * Camera, microphone and speaker pickers, the microphone's processing, and a live level meter;
 * used before and during a meeting (a change during the call swaps the track in place).
 */
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
        <div class="checks">
          <label class="check">
            <input
              type="checkbox"
              checked={media.noiseSuppression}
              onChange={(e) =>
                void local.setAudioProcessing({ noiseSuppression: e.currentTarget.checked })
              }
            />
            Noise suppression
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={media.echoCancellation}
              onChange={(e) =>
                void local.setAudioProcessing({ echoCancellation: e.currentTarget.checked })
              }
            />
            Echo cancellation
          </label>
        </div>
      </div>
      {media.speakers.length > 0 && (
        <div class="field">
          <label for={`${id}-speaker`}>Speaker</label>
          <select
            id={`${id}-speaker`}
            value={media.speakerId ?? media.speakers[0]?.deviceId ?? ""}
            onChange={(e) => local.selectSpeaker(e.currentTarget.value)}
          >
            {media.speakers.map((d) => (
              <option key={d.deviceId} value={d.deviceId}>
                {d.label}
              </option>
            ))}
          </select>
        </div>
      )}
    </>
  );
}
