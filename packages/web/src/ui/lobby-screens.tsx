import type { MeetingState } from "../call/meeting-store.ts";
import { focusOnMount } from "./focus-on-mount.ts";

/**
 * A knock link's holder between "Ask to join" and a host's answer: asking, waiting (and why the
 * wait may be long), or trying to reach the server again. Nothing of the meeting is shown: a knock
 * receives nothing of it until admitted (docs/protocol.md "Lobby").
 */
export function KnockWaiting({ state, onCancel }: { state: MeetingState; onCancel: () => void }) {
  const waiting = state.phase === "waiting";
  const locked = waiting && state.roomStatus?.locked === true;
  return (
    <main class="center-screen knock-waiting" aria-busy={!waiting}>
      <span class="spinner spinner-large" aria-hidden="true" />
      <h1 tabIndex={-1} ref={focusOnMount}>
        {waiting ? "Waiting for a host to let you in…" : "Asking to join…"}
      </h1>
      <p role="status">
        {state.phase === "retrying"
          ? "Can’t reach the server. Trying again…"
          : locked
            ? "The meeting is locked. A host has to unlock it before anyone can come in; you can keep waiting."
            : waiting
              ? "A host of the meeting sees your request now. Keep this page open."
              : "Contacting the meeting…"}
      </p>
      <div class="button-row">
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </main>
  );
}

/** A screen after which nothing reconnects: what happened, and the way home. */
function FinalScreen(props: { title: string; text: string; alert: boolean; onHome: () => void }) {
  return (
    <main class="center-screen">
      <h1 tabIndex={-1} ref={focusOnMount}>
        {props.title}
      </h1>
      <p role={props.alert ? "alert" : undefined}>{props.text}</p>
      <div class="button-row">
        <button type="button" class="btn btn-primary" onClick={props.onHome}>
          Home
        </button>
      </div>
    </main>
  );
}

/**
 * A member's commit removed us (our engine applied it; a server's word alone is only a
 * disconnection): media and connections are already stopped. Names who did it, by the name and
 * device fingerprint our roster showed.
 */
export function RemovedScreen({
  by,
  onHome,
}: {
  by: { readonly name: string; readonly fingerprint: string } | null;
  onHome: () => void;
}) {
  const who = by === null ? "A member" : `${by.name} (device ${by.fingerprint.slice(0, 9)})`;
  return (
    <FinalScreen
      title={
        by === null
          ? "You were removed from the meeting"
          : `${by.name} removed you from the meeting`
      }
      text={`${who} took you out of the meeting. Your camera and microphone are off, and this page no longer receives anything from the meeting. If this was a mistake, ask a host to invite you again.`}
      alert
      onHome={onHome}
    />
  );
}

/** A host ended the meeting for everyone (or we did, as its host): nothing reconnects. */
export function EndedScreen({ byUs, onHome }: { byUs: boolean; onHome: () => void }) {
  return (
    <FinalScreen
      title={byUs ? "You ended the meeting for everyone" : "The host ended the meeting"}
      text="Your camera and microphone are off, and this page no longer receives anything from the meeting."
      alert={!byUs}
      onHome={onHome}
    />
  );
}
