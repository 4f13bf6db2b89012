import { REACTIONS, type Reaction } from "@conclave/protocol";
import { useRef, useState } from "preact/hooks";
import type { MeetingActivity } from "../call/meeting-activity.ts";
import { SmileIcon } from "./icons.tsx";

const NAMES: Record<Reaction, string> = {
  "👍": "Thumbs up",
  "👏": "Applause",
  "😂": "Laughing",
  "❤️": "Heart",
  "🎉": "Celebrate",
  "😮": "Surprised",
};

/** The React button and its row of emoji; each shows briefly on our tile for everyone. */
export function ReactionsButton({ activity }: { activity: MeetingActivity }) {
  const [open, setOpen] = useState(false);
  const toggle = useRef<HTMLButtonElement>(null);
  const closeOnEscape = (e: KeyboardEvent) => {
    if (e.key !== "Escape" || !open) return;
    setOpen(false);
    toggle.current?.focus();
  };
  return (
    <div class="reactions">
      {open && (
        <fieldset id="reaction-picker" class="reaction-picker">
          <legend class="sr-only">Send a reaction</legend>
          {REACTIONS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              class="btn btn-emoji"
              aria-label={NAMES[emoji]}
              title={NAMES[emoji]}
              onClick={() => activity.react(emoji)}
              onKeyDown={closeOnEscape}
            >
              {emoji}
            </button>
          ))}
        </fieldset>
      )}
      <button
        type="button"
        class="btn btn-round"
        ref={toggle}
        aria-expanded={open}
        aria-controls="reaction-picker"
        onClick={() => setOpen(!open)}
        onKeyDown={closeOnEscape}
      >
        <SmileIcon />
        <span class="btn-label">React</span>
      </button>
    </div>
  );
}
