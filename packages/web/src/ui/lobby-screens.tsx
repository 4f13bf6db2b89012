import type { GroupEntryState } from "../call/group-entry.ts";
import type { MeetingState } from "../call/meeting-store.ts";
import { focusOnMount } from "./focus-on-mount.ts";

/**
 * A knock link's holder between "Ask to join" and a host's answer: asking, waiting (and why the
 * wait may be long), or trying to reach the server again. Nothing of the meeting is shown: a knock
 * receives nothing of it until admitted (docs/protocol.md "Lobby").
 */
export function KnockWaiting(props: {
  state: MeetingState;
  roomStatus: GroupEntryState["roomStatus"];
  onCancel: () => void;
  onRetryNow: () => void;
}) {
  const { state, onCancel } = props;
  const waiting = state.phase === "waiting";
  const locked = waiting && props.roomStatus?.locked === true;
  // We waited already (the server gave us our knock's id): the server keeps our place in line
  // for 30 s (RECONNECT_WINDOW_MS) while we come back with our knock's token.
  const reconnecting = !waiting && state.selfId !== null;
  return (
    <main class="center-screen knock-waiting" aria-busy={!waiting}>
      <span class="spinner spinner-large" aria-hidden="true" />
      <h1 tabIndex={-1} ref={focusOnMount}>
        {waiting
          ? "Waiting for a host to let you in…"
          : reconnecting
            ? "Reconnecting…"
            : "Asking to join…"}
      </h1>
      <p role="status">
        {reconnecting
          ? state.phase === "retrying"
            ? "Connection lost. Your place in line is kept for 30 s; trying again…"
            : "Connection lost. Taking your place in line back…"
          : state.phase === "retrying"
            ? "Can’t reach the server. Trying again…"
            : locked
              ? "The meeting is locked. A host has to unlock it before anyone can come in; you can keep waiting."
              : waiting
                ? "A host of the meeting sees your request now. Keep this page open."
                : "Contacting the meeting…"}
      </p>
      <div class="button-row">
        {state.phase === "retrying" && (
          <button type="button" class="btn btn-primary" onClick={props.onRetryNow}>
            Retry now
          </button>
        )}
        <button type="button" class="btn" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </main>
  );
}
