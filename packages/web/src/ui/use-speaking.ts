import { useEffect, useState } from "preact/hooks";
import { LevelMeter } from "../call/level-meter.ts";

/** Whether the local microphone hears speech, sampled five times a second. */
export function useSpeaking(track: MediaStreamTrack | null, on: boolean): boolean {
  const [speaking, setSpeaking] = useState(false);
  useEffect(() => {
    if (!track || !on) {
      setSpeaking(false);
      return;
    }
    const meter = new LevelMeter(track);
    const timer = setInterval(() => setSpeaking(meter.level() > 0.35), 200);
    return () => {
      clearInterval(timer);
      meter.close();
    };
  }, [track, on]);
  return speaking;
}
