import { useEffect, useRef, useState } from "preact/hooks";
import type { MeetingStore } from "../call/meeting-store.ts";
import { loadPreferences, savePreferences } from "../call/preferences.ts";
import { playJoinChime, playLeaveChime } from "../call/tones.ts";
import { useStore } from "./use-store.ts";

/**
 * Who joined or left, a new host, the lock, a replaced link: shown a few seconds at the bottom of
 * the stage (the live region says the same words once, so the notices are hidden from screen
 * readers), with a short chime for joins and leaves unless it is switched off.
 */
export function MeetingNotices({ meeting }: { meeting: MeetingStore }) {
  const { notices } = useStore(meeting.announcements);
  const heard = useRef(0);
  useEffect(() => {
    const fresh = notices.filter((n) => n.id > heard.current);
    if (fresh.length === 0) return;
    heard.current = Math.max(...fresh.map((n) => n.id));
    if (!loadPreferences().chimes) return;
    if (fresh.some((n) => n.kind === "joined")) playJoinChime();
    else if (fresh.some((n) => n.kind === "left")) playLeaveChime();
  }, [notices]);
  if (notices.length === 0) return null;
  return (
    <ul class="notices" aria-hidden="true">
      {notices.map((n) => (
        <li key={n.id} class={`notice notice-${n.kind}`} data-notice={n.kind}>
          {n.text}
        </li>
      ))}
    </ul>
  );
}

/** The switch for the join and leave chime, remembered on this device. */
export function ChimeToggle() {
  const [on, setOn] = useState(() => loadPreferences().chimes);
  return (
    <label class="check">
      <input
        type="checkbox"
        checked={on}
        onChange={(e) => {
          const chimes = e.currentTarget.checked;
          setOn(chimes);
          savePreferences({ chimes });
        }}
      />
      Chime when people join or leave
    </label>
  );
}
