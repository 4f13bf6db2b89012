import "./meeting-timer.css";
import { useEffect, useState } from "preact/hooks";
import { formatElapsed, isoDuration } from "../call/meeting-clock.ts";
import { ClockIcon } from "./icons.tsx";

/**
 * How long we have been in the meeting, in the header. A `timer` role: screen readers do not
 * announce each second, but read it when asked.
 */
export function MeetingTimer() {
  const [since] = useState(() => Date.now());
  const [now, setNow] = useState(since);
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);
  const elapsed = now - since;
  return (
    <span class="meeting-timer" role="timer" title="Time since you joined">
      <ClockIcon />
      <span class="sr-only">In the meeting for </span>
      <time dateTime={isoDuration(elapsed)} data-elapsed-ms={elapsed}>
        {formatElapsed(elapsed)}
      </time>
    </span>
  );
}
