import "./comparison.css";
import { useEffect, useRef, useState } from "preact/hooks";
import type { MeetingStore } from "../../call/meeting-store.ts";
import type { RosterEntry } from "../../worker/reports.ts";

interface ComparisonDialogProps {
  meeting: MeetingStore;
  member: RosterEntry;
  onClose: () => void;
}

/**
 * The comparison step (docs/e2ee.md "Comparing with one person"): both people read the six
 * words their screens show for the pair, and mark the other verified only if they match. A modal
 * dialog, so focus stays inside until it closes.
 */
export function ComparisonDialog({ meeting, member, onClose }: ComparisonDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [mismatch, setMismatch] = useState(false);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  const name = member.name;
  const words = member.comparison;
  const match = () => {
    meeting.pins.verify(name, member.fingerprint);
    meeting.announcements.say(`${name} verified`);
    dialog.current?.close();
  };
  return (
    <dialog
      ref={dialog}
      class="comparison-dialog"
      aria-labelledby="comparison-title"
      aria-describedby="comparison-how"
      onClose={onClose}
    >
      <h2 id="comparison-title">Verify {name}</h2>
      <p id="comparison-how">
        Read these words to {name}, out loud in the call or in person, and ask {name} to open
        Security, press <strong>Verify</strong> next to your name and read theirs back.
      </p>
      {words === null ? (
        <p class="hint" role="status">
          Preparing the words…
        </p>
      ) : (
        <ol class="comparison-words" aria-label={`Words to compare with ${name}`}>
          {words.map((word, i) => (
            <li key={`${i}-${word}`}>{word}</li>
          ))}
        </ol>
      )}
      <p class="hint">
        The same six words in the same order mean that each of you has the other's real key and that
        you are in the same encrypted group. They are new for every pair and every meeting, and
        change when someone joins or leaves.
      </p>
      {mismatch ? (
        <div class="banner banner-warn" role="alert" data-alarm="comparison-mismatch">
          Do not trust “{name}” yet: someone else may be using that name, or the meeting may be
          split. {name} stays unverified. Tell the others, and ask a host to remove them if you are
          unsure.
        </div>
      ) : (
        <p class="comparison-question">Do they match?</p>
      )}
      <details>
        <summary>Fingerprints</summary>
        <p class="fingerprint">
          {name}: {member.fingerprint}
        </p>
      </details>
      <div class="button-row">
        {!mismatch && (
          <>
            <button type="button" class="btn btn-primary" disabled={words === null} onClick={match}>
              They match
            </button>
            <button type="button" class="btn btn-danger" onClick={() => setMismatch(true)}>
              They don't match
            </button>
          </>
        )}
        <button type="button" class="btn" onClick={() => dialog.current?.close()}>
          {mismatch ? "Close" : "Not now"}
        </button>
      </div>
    </dialog>
  );
}
