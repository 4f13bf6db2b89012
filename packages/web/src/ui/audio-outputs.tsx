import type { RemoteParticipant } from "../call/remote-participants.ts";
import { AudioOut } from "./media-view.tsx";

/**
 * Everyone's audio (microphone and shared tab or system audio), played whether or not their tile
 * is on screen: the grid pages and the speaker view show only some tiles, but all are heard.
 */
export function AudioOutputs({
  participants,
  sinkId,
}: {
  participants: readonly RemoteParticipant[];
  sinkId: string | null;
}) {
  return (
    <div class="audio-outputs">
      {participants.flatMap((p) => [
        <AudioOut key={p.id} stream={p.audioStream} sinkId={sinkId} />,
        p.screen?.audioStream ? (
          <AudioOut key={`${p.id}/screen`} stream={p.screen.audioStream} sinkId={sinkId} />
        ) : null,
      ])}
    </div>
  );
}
