import { useEffect, useRef } from "preact/hooks";
import type { MeetingStore } from "../call/meeting-store.ts";
import { useStore } from "./use-store.ts";

/**
 * The meeting's live regions, each polite: joins, leaves and connection changes; security code
 * changes; what members do (hands, recording); what a shortcut just did. Every change that matters
 * is announced (STYLE.md "The web app").
 */
export function LiveRegions({ meeting, shortcut }: { meeting: MeetingStore; shortcut: string }) {
  const { announcement, securityAnnouncement } = useStore(meeting.announcements);
  const activity = useStore(meeting.e2ee.activity);
  return (
    <>
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {announcement}
      </div>
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {securityAnnouncement}
      </div>
      <div class="sr-only" aria-live="polite" aria-atomic="true">
        {activity.announcement}
      </div>
      <div class="sr-only" role="status">
        {shortcut}
      </div>
    </>
  );
}

/** What a copy did: said in a status region, and shown for three seconds. */
export function CopyStatus({ text, onDone }: { text: string; onDone: () => void }) {
  return (
    <>
      <div class="sr-only" role="status">
        {text}
      </div>
      {text && <Toast text={text} onDone={onDone} />}
    </>
  );
}

function Toast({ text, onDone }: { text: string; onDone: () => void }) {
  // The parent re-renders often (speaking, stats); only a new text restarts the timer.
  const done = useRef(onDone);
  done.current = onDone;
  useEffect(() => {
    const timer = setTimeout(() => done.current(), 3000);
    return () => clearTimeout(timer);
  }, [text]);
  return (
    <div class="toast" aria-hidden="true">
      {text}
    </div>
  );
}
