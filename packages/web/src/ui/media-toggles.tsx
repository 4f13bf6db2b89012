import type { LocalMedia } from "../call/local-media.ts";
import { CameraIcon, CameraOffIcon, MicIcon, MicOffIcon } from "./icons.tsx";
import { useStore } from "./use-store.ts";

/** The Microphone and Camera toggle buttons (aria-pressed = on), shared by prejoin and meeting. */
export function MediaToggles({ local }: { local: LocalMedia }) {
  const { mic, camera, audioTrack } = useStore(local);
  const micOn = mic === "on";
  const camOn = camera === "on";
  const micUsable = audioTrack !== null;
  const camUsable = camera === "on" || camera === "off";
  return (
    <>
      <button
        type="button"
        class={`btn btn-round${micOn ? "" : " is-off"}`}
        aria-pressed={micOn}
        disabled={!micUsable}
        title={
          micUsable ? (micOn ? "Mute microphone" : "Unmute microphone") : "Microphone unavailable"
        }
        onClick={() => local.setMicOn(!micOn)}
      >
        {micOn ? <MicIcon /> : <MicOffIcon />}
        <span class="btn-label">Microphone</span>
      </button>
      <button
        type="button"
        class={`btn btn-round${camOn ? "" : " is-off"}`}
        aria-pressed={camOn}
        aria-busy={camera === "pending"}
        disabled={!camUsable}
        title={camUsable ? (camOn ? "Turn camera off" : "Turn camera on") : "Camera unavailable"}
        onClick={() => void local.setCameraOn(!camOn)}
      >
        {camOn ? <CameraIcon /> : <CameraOffIcon />}
        <span class="btn-label">Camera</span>
      </button>
    </>
  );
}
