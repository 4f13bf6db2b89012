import type { DeviceStatus } from "../call/local-media.ts";

const NOUN = { audio: "microphone", video: "camera" } as const;

/** What to tell people about a device that is not working, and how to fix it; null if fine. */
export function deviceProblem(kind: "audio" | "video", status: DeviceStatus): string | null {
  const noun = NOUN[kind];
  switch (status) {
    case "denied":
      return `Your browser blocked the ${noun}. To allow it, click the camera or lock icon in the address bar, allow ${noun === "camera" ? "Camera" : "Microphone"} for this site, then press Try again. You can still join without it.`;
    case "missing":
      return `No ${noun} was found. Connect one and press Try again, or join without it.`;
    case "busy":
      return `The ${noun} is in use by another app or could not start. Close the other app and press Try again.`;
    case "error":
      return `The ${noun} stopped working or is not available in this browser.`;
    default:
      return null;
  }
}

export function DeviceMessage(props: {
  kind: "audio" | "video";
  status: DeviceStatus;
  onRetry: () => void;
}) {
  const text = deviceProblem(props.kind, props.status);
  if (!text) return null;
  return (
    <div class="message message-warn" role="status">
      <p>{text}</p>
      {props.status !== "error" && (
        <button type="button" class="btn btn-small" onClick={props.onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
