import { useEffect } from "preact/hooks";
import type { DeviceStatus, LocalMedia } from "../call/local-media.ts";
import { deviceProblem } from "./device-message.tsx";
import { focusOnMount } from "./focus-on-mount.ts";
import { useStore } from "./use-store.ts";

export type DeviceKind = "audio" | "video";

/** A device that does not work: blocked, missing, busy, or gone. */
export function hasProblem(status: DeviceStatus): boolean {
  return status === "denied" || status === "missing" || status === "busy" || status === "error";
}

/**
 * In the meeting, for a camera or microphone that does not work: why, how to unblock it in the
 * browser, and Try again, which asks the browser again; the track it gets goes on the call at once
 * (media-session.ts replaces the sender's track), without leaving. Closes by itself once it works.
 */
export function DeviceHelp(props: { local: LocalMedia; kind: DeviceKind; onClose: () => void }) {
  const { local, kind, onClose } = props;
  const state = useStore(local);
  const status = kind === "audio" ? state.mic : state.camera;
  const noun = kind === "audio" ? "Microphone" : "Camera";
  const text =
    deviceProblem(kind, status, "meeting") ??
    (status === "pending" ? `Asking the browser for the ${noun.toLowerCase()}…` : null);
  useEffect(() => {
    if (status === "on" || status === "off") onClose();
  }, [status, onClose]);
  return (
    <section
      id="device-help"
      class="device-panel device-help"
      role="dialog"
      aria-labelledby="device-help-title"
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      <h2 id="device-help-title" tabIndex={-1} ref={focusOnMount}>
        {noun} not working
      </h2>
      <p role="status">{text}</p>
      <div class="button-row">
        <button
          type="button"
          class="btn btn-primary"
          disabled={status === "pending"}
          aria-busy={status === "pending"}
          onClick={() => void local.retry(kind)}
        >
          Try again
        </button>
        <button type="button" class="btn" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
