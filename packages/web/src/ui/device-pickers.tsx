import "./device-pickers.css";
import { useId } from "preact/hooks";
import type { LocalMedia } from "../call/local-media.ts";
import { BackgroundPicker } from "./background-picker.tsx";
import { LevelBar } from "./level-bar.tsx";
import { NoiseSuppressionSwitch } from "./noise-suppression-switch.tsx";
import { useStore } from "./use-store.ts";

/**
 * Camera, microphone and speaker pickers, the camera's background effect, the microphone's
 * processing, and a live level meter;
 * used before and during a meeting (a change during the call swaps the track in place).
 */
export function DevicePickers({ local }: { local: LocalMedia }) {
  const media = useStore(local);
  const id = useId();
  return (
    <>
      <div class="field">
        <DeviceSelect
          id={`${id}-camera`}
          label="Camera"
          devices={media.cameras}
          selected={media.cameraId}
          none="No camera available"
          onSelect={(deviceId) => void local.selectCamera(deviceId)}
        />
      </div>
      <BackgroundPicker local={local} />
      <div class="field">
        <DeviceSelect
          id={`${id}-mic`}
          label="Microphone"
          devices={media.mics}
          selected={media.micId}
          none="No microphone available"
          onSelect={(deviceId) => void local.selectMic(deviceId)}
        />
        {/* Without a microphone there is nothing to test or process (a listen-only guest). */}
        {media.mics.length > 0 && (
          <>
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
              <NoiseSuppressionSwitch local={local} />
            </div>
          </>
        )}
      </div>
      {media.speakers.length > 0 && (
        <div class="field">
          <DeviceSelect
            id={`${id}-speaker`}
            label="Speaker"
            devices={media.speakers}
            selected={media.speakerId}
            none={null}
            onSelect={(deviceId) => local.selectSpeaker(deviceId)}
          />
        </div>
      )}
    </>
  );
}

/**
 * One device list: the chosen device, else the first. With `none`, an empty list shows that text
 * and cannot be used; without, it is never shown empty.
 */
function DeviceSelect(props: {
  id: string;
  label: string;
  devices: readonly { readonly deviceId: string; readonly label: string }[];
  selected: string | null;
  none: string | null;
  onSelect: (deviceId: string) => void;
}) {
  const { devices, none } = props;
  return (
    <>
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.selected ?? devices[0]?.deviceId ?? ""}
        disabled={none !== null && devices.length === 0}
        onChange={(e) => props.onSelect(e.currentTarget.value)}
      >
        {none !== null && devices.length === 0 && <option value="">{none}</option>}
        {devices.map((d) => (
          <option key={d.deviceId} value={d.deviceId}>
            {d.label}
          </option>
        ))}
      </select>
    </>
  );
}
