import type { RecordedParticipant } from "../call/local-recording.ts";
import type { MeetingActivity } from "../call/meeting-activity.ts";
import { RecordIcon, StopIcon } from "./icons.tsx";
import { useStore } from "./use-store.ts";

interface RecordButtonProps {
  activity: MeetingActivity;
  /** Who is on screen now, read on every recorded frame. */
  sources: () => readonly RecordedParticipant[];
}

/** Record / Stop recording: the meeting as this device shows it, saved on this device. */
export function RecordButton({ activity, sources }: RecordButtonProps) {
  const { recording } = useStore(activity);
  return (
    <button
      type="button"
      class={`btn btn-round${recording ? " is-recording" : ""}`}
      title={
        recording
          ? "Stop recording and save the file"
          : "Record the meeting on this device; everyone is told"
      }
      onClick={() => (recording ? activity.stopRecording() : activity.startRecording(sources))}
    >
      {recording ? <StopIcon /> : <RecordIcon />}
      <span class="btn-label">{recording ? "Stop recording" : "Record"}</span>
    </button>
  );
}

/** Who records this meeting, us included: always shown while anyone does. */
export function RecordingBanner({ activity }: { activity: MeetingActivity }) {
  const { recorders, recording, recordingError } = useStore(activity);
  const lines = [
    ...(recording ? ["You are recording"] : []),
    ...recorders.map((r) => `${r.name} is recording`),
  ];
  return (
    <>
      {lines.length > 0 && (
        <div class="banner banner-rec">
          <span class="rec-dot" aria-hidden="true" />
          {lines.map((line, i) => (
            <span key={line}>
              {i > 0 && " · "}
              {line}
            </span>
          ))}
        </div>
      )}
      {recordingError && (
        <div class="banner banner-warn" role="alert">
          {recordingError}
        </div>
      )}
    </>
  );
}
