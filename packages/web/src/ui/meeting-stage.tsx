import type { ParticipantId } from "@conclave/protocol";
import { useMemo } from "preact/hooks";
import type { MeetingStore } from "../call/meeting-store.ts";
import { stageTiles } from "../call/stage-tiles.ts";
import { Stage } from "./stage.tsx";
import { useCallMonitor } from "./use-call-monitor.ts";
import { useSpeaking } from "./use-speaking.ts";
import { useStore } from "./use-store.ts";

/** The meeting's tiles (call/stage-tiles.ts) from the stores they read, laid out by `Stage`. */
export function MeetingStage({ meeting, name }: { meeting: MeetingStore; name: string }) {
  const local = useStore(meeting.local);
  const screen = useStore(meeting.screen);
  const { group, uploads } = useStore(meeting.e2ee);
  const waiting = useMemo(() => new Set(Object.keys(uploads) as ParticipantId[]), [uploads]);
  useStore(meeting.pins);
  const pins = meeting.pins;
  const activity = useStore(meeting.e2ee.activity);
  const { participants } = useStore(meeting.people);
  const { speaking } = useStore(meeting.media);
  const monitor = useCallMonitor(meeting);
  const selfSpeaking = useSpeaking(local.audioTrack, local.mic === "on");
  const selfStream = useMemo(
    () => (local.videoTrack ? new MediaStream([local.videoTrack]) : null),
    [local.videoTrack],
  );
  const ownScreen = useMemo(
    () => (screen.video ? new MediaStream([screen.video]) : null),
    [screen.video],
  );
  const tiles = stageTiles({
    self: {
      name,
      videoStream: selfStream,
      cameraOn: local.camera === "on",
      micOn: local.mic === "on",
      speaking: selfSpeaking,
      handUp: activity.ownHandAt !== null,
      screen: ownScreen,
    },
    participants,
    speaking,
    groupStatus: group.status,
    waiting,
    hands: activity.hands,
    reactions: activity.reactions,
    quality: monitor.quality,
    verified: pins.verifiedLeaves(group.roster),
  });
  return <Stage tiles={tiles} speaker={monitor.speaker} />;
}
