import { type FailureCode, remedyOf } from "../call/failure-texts.ts";
import { focusOnMount } from "./focus-on-mount.ts";

/**
 * The screens after a meeting, or instead of it: we left, we were removed, the meeting was ended,
 * or the server refused us. Media and connections are already stopped when they show.
 */

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

export function LeftScreen({ onRejoin, onHome }: { onRejoin: () => void; onHome: () => void }) {
  return (
    <main class="center-screen">
      <h1 tabIndex={-1} ref={focusOnMount}>
        You left the meeting
      </h1>
      <p>Your camera and microphone are off.</p>
      <div class="button-row">
        <button type="button" class="btn btn-primary" onClick={onRejoin}>
          Rejoin
        </button>
        <button type="button" class="btn" onClick={onHome}>
          Home
        </button>
      </div>
    </main>
  );
}

/**
 * The server refused us for good (call/failure-texts.ts): its reason, and what we can still do:
 * try again, ask to join after the link was replaced, or only go home after a host's answer.
 */
export function FailedScreen(props: {
  code: FailureCode;
  message: string;
  onHome: () => void;
  onRejoin: () => void;
  onAskToJoin: () => void;
}) {
  const remedy = remedyOf(props.code);
  const retry =
    remedy === "none"
      ? null
      : remedy === "ask-to-join"
        ? { label: "Ask to join", run: props.onAskToJoin }
        : { label: "Try again", run: props.onRejoin };
  return (
    <main class="center-screen">
      <h1 tabIndex={-1} ref={focusOnMount}>
        Can’t join this meeting
      </h1>
      <p role="alert">{props.message}</p>
      <div class="button-row">
        {retry && (
          <button type="button" class="btn btn-primary" onClick={retry.run}>
            {retry.label}
          </button>
        )}
        <button type="button" class={retry ? "btn" : "btn btn-primary"} onClick={props.onHome}>
          Home
        </button>
      </div>
    </main>
  );
}
