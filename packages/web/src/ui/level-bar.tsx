import { useEffect, useRef } from "preact/hooks";
import { LevelMeter } from "../call/level-meter.ts";

/** A live microphone level bar (decorative: the label beside it says what it is). */
export function LevelBar({ track }: { track: MediaStreamTrack | null }) {
  const fill = useRef<HTMLSpanElement>(null);
  useEffect(() => {
    if (!track) {
      fill.current?.style.setProperty("--level", "0");
      return;
    }
    const meter = new LevelMeter(track);
    let frame = 0;
    const tick = () => {
      const level = track.enabled ? meter.level() : 0;
      fill.current?.style.setProperty("--level", level.toFixed(3));
      frame = requestAnimationFrame(tick);
    };
    frame = requestAnimationFrame(tick);
    return () => {
      cancelAnimationFrame(frame);
      meter.close();
    };
  }, [track]);
  return (
    <span class="level-bar" aria-hidden="true">
      <span class="level-fill" ref={fill} />
    </span>
  );
}
