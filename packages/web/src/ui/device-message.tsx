import type { DeviceStatus } from "../call/local-media.ts";

type Kinds = "audio" | "video" | "both";

const NOUN: Record<Kinds, string> = {
  audio: "microphone",
  video: "camera",
  both: "camera and microphone",
};
const SETTING: Record<Kinds, string> = {
  audio: "Microphone",
  video: "Camera",
  both: "Camera and Microphone",
};

/**
 * What to tell people about a device that is not working, and how to fix it; null if fine. Before
 * joining, it also says they can join without it; in the meeting they already have.
 */
export function deviceProblem(
  kinds: Kinds,
  status: DeviceStatus,
  where: "prejoin" | "meeting" = "prejoin",
): string | null {
  const noun = NOUN[kinds];
  const it = kinds === "both" ? "them" : "it";
  const prejoin = where === "prejoin";
  switch (status) {
    case "denied":
      return `Your browser blocked the ${noun}. To allow ${it}, click the camera or lock icon in the address bar, allow ${SETTING[kinds]} for this site, then press Try again.${prejoin ? ` You can still join without ${it}.` : ""}`;
    case "missing":
      return `No ${noun} was found. Connect one and press Try again${prejoin ? `, or join without ${it}` : ""}.`;
    case "busy":
      return `The ${noun} ${kinds === "both" ? "are" : "is"} in use by another app or could not start. Close the other app and press Try again.`;
    case "error":
      return `The ${noun} stopped working or ${kinds === "both" ? "are" : "is"} not available in this browser.`;
    default:
      return null;
  }
}

function Message(props: { kinds: Kinds; status: DeviceStatus; onRetry: () => void }) {
  const text = deviceProblem(props.kinds, props.status);
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

/** One message when both devices have the same problem, else one per device. */
export function DeviceMessages(props: {
  camera: DeviceStatus;
  mic: DeviceStatus;
  onRetry: (kind: "audio" | "video") => void;
}) {
  const { camera, mic, onRetry } = props;
  if (camera === mic) {
    return (
      <Message
        kinds="both"
        status={camera}
        onRetry={() => {
          onRetry("video");
          onRetry("audio");
        }}
      />
    );
  }
  return (
    <>
      <Message kinds="video" status={camera} onRetry={() => onRetry("video")} />
      <Message kinds="audio" status={mic} onRetry={() => onRetry("audio")} />
    </>
  );
}
