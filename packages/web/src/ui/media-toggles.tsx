import type { LocalMedia } from "../call/local-media.ts";
import { type DeviceKind, hasProblem } from "./device-help.tsx";
import { CameraIcon, CameraOffIcon, MicIcon, MicOffIcon } from "./icons.tsx";
import { useStore } from "./use-store.ts";

/**
 * The Microphone and Camera toggle buttons (aria-pressed = on), shared by prejoin and meeting. With
 * `onProblem` (the meeting), a device that does not work keeps its button, which opens the help
 * to fix it (ui/device-help.tsx); the prejoin screen says it in its own messages.
 */
export function MediaToggles(props: {
  local: LocalMedia;
  onProblem?: (kind: DeviceKind) => void;
  /** The device whose help is open. */
  helping?: DeviceKind | null;
}) {
  const { local, onProblem } = props;
  const { mic, camera, audioTrack } = useStore(local);
  const micOn = mic === "on";
  const camOn = camera === "on";
  const micFix = onProblem !== undefined && hasProblem(mic);
  const camFix = onProblem !== undefined && hasProblem(camera);
  const micUsable = audioTrack !== null || micFix;
  const camUsable = camera === "on" || camera === "off" || camFix;
  return (
    <>
      <button
        type="button"
        class={`btn btn-round${micOn ? "" : " is-off"}`}
        aria-pressed={micOn}
        disabled={!micUsable}
        aria-haspopup={micFix ? "dialog" : undefined}
        aria-expanded={micFix ? props.helping === "audio" : undefined}
        title={
          micFix
            ? "Microphone not working: how to fix it"
            : micUsable
              ? micOn
                ? "Mute microphone"
                : "Unmute microphone"
              : "Microphone unavailable"
        }
        onClick={() => (micFix ? onProblem?.("audio") : local.setMicOn(!micOn))}
      >
        {micFix && <span class="device-alert" aria-hidden="true" />}
        {micOn ? <MicIcon /> : <MicOffIcon />}
        <span class="btn-label">Microphone</span>
      </button>
      <button
        type="button"
        class={`btn btn-round${camOn ? "" : " is-off"}`}
        aria-pressed={camOn}
        aria-busy={camera === "pending"}
        disabled={!camUsable}
        aria-haspopup={camFix ? "dialog" : undefined}
        aria-expanded={camFix ? props.helping === "video" : undefined}
        title={
          camFix
            ? "Camera not working: how to fix it"
            : camUsable
              ? camOn
                ? "Turn camera off"
                : "Turn camera on"
              : "Camera unavailable"
        }
        onClick={() => (camFix ? onProblem?.("video") : void local.setCameraOn(!camOn))}
      >
        {camFix && <span class="device-alert" aria-hidden="true" />}
        {camOn ? <CameraIcon /> : <CameraOffIcon />}
        <span class="btn-label">Camera</span>
      </button>
    </>
  );
}
