import { useCallback, useState } from "preact/hooks";
import { onScreen } from "../call/local-recording.ts";
import type { MeetingStore } from "../call/meeting-store.ts";
import { DeviceHelp, type DeviceKind } from "./device-help.tsx";
import { DevicePickers } from "./device-pickers.tsx";
import { LeaveIcon, SlidersIcon } from "./icons.tsx";
import { MediaToggles } from "./media-toggles.tsx";
import { HandButton } from "./raised-hands.tsx";
import { ReactionsButton } from "./reactions.tsx";
import { RecordButton } from "./recording.tsx";
import { ScreenShareButton } from "./screen-share-button.tsx";

/**
 * The controls under the stage: microphone and camera, screen share, hand, reactions, recording,
 * the device panel, and Leave.
 */
export function CallControls({ meeting, name }: { meeting: MeetingStore; name: string }) {
  const [devices, setDevices] = useState(false);
  const [help, setHelp] = useState<DeviceKind | null>(null);
  const closeHelp = useCallback(() => setHelp(null), []);
  const activity = meeting.e2ee.activity;
  // Read on every recorded frame: what this page shows now.
  const recordingSources = () => onScreen(name, meeting.local.state, meeting.participants);
  return (
    <>
      {devices && (
        <section
          id="device-panel"
          class="device-panel"
          aria-label="Camera and microphone"
          onKeyDown={(e) => {
            if (e.key === "Escape") setDevices(false);
          }}
        >
          <DevicePickers local={meeting.local} />
          <button type="button" class="btn btn-small" onClick={() => setDevices(false)}>
            Done
          </button>
        </section>
      )}

      {help && <DeviceHelp local={meeting.local} kind={help} onClose={closeHelp} />}

      <section class="controls" aria-label="Call controls">
        <MediaToggles local={meeting.local} onProblem={setHelp} helping={help} />
        <ScreenShareButton screen={meeting.screen} />
        <HandButton activity={activity} />
        <ReactionsButton activity={activity} />
        <RecordButton activity={activity} sources={recordingSources} />
        <button
          type="button"
          class="btn btn-round"
          aria-expanded={devices}
          aria-controls="device-panel"
          onClick={() => setDevices(!devices)}
        >
          <SlidersIcon />
          <span class="btn-label">Devices</span>
        </button>
        <button type="button" class="btn btn-round btn-danger" onClick={() => void meeting.leave()}>
          <LeaveIcon />
          <span class="btn-label">Leave</span>
        </button>
      </section>
    </>
  );
}
