/**
 * Where one meeting stands for us (call/meeting-store.ts moves it): connecting, waiting in the
 * lobby, in, retrying, or over, and what the screens need to say about it.
 */
import { type ErrorCode, isFinalError, type ParticipantId } from "@conclave/protocol";
import type { MeetingFailure } from "./failure-texts.ts";

/**
 * - `connecting`: opening the socket or waiting for `welcome`;
 * - `waiting`: a knock, in the lobby until a host admits it (docs/protocol.md "Lobby");
 * - `joined`: in the meeting;
 * - `retrying`: the server could not be reached (or dropped us); next attempt at `retryAt`;
 * - `failed`: the server refused us for good (`failure` says why);
 * - `left`: the user left;
 * - `removed`: a member's commit removed us; everything is stopped and nothing reconnects.
 * - `ended`: a host ended the meeting for everyone (or we did); as `removed`.
 */
export type MeetingPhase =
  | "connecting"
  | "waiting"
  | "joined"
  | "retrying"
  | "failed"
  | "left"
  | "removed"
  | "ended";

export interface MeetingState {
  readonly phase: MeetingPhase;
  /** Whether we had joined before this connection attempt (so: "reconnecting"). */
  readonly wasJoined: boolean;
  readonly attempt: number;
  readonly retryAt: number | null;
  readonly failure: MeetingFailure | null;
  /** A non-fatal error from the server, shown until dismissed. */
  readonly notice: string | null;
  readonly selfId: ParticipantId | null;
  /** We came with a knock link and no host has admitted us yet. */
  readonly knocking: boolean;
  /** In phase `ended`: whether we ended it ourselves. */
  readonly endedByUs: boolean;
  /** In phase `removed`: the member whose commit removed us, as our roster showed it. */
  readonly removedBy: { readonly name: string; readonly fingerprint: string } | null;
}

/** Where a meeting starts: connecting, first attempt; a knock link knocks. */
export function startingState(knocking: boolean): MeetingState {
  return {
    phase: "connecting",
    wasJoined: false,
    attempt: 0,
    retryAt: null,
    failure: null,
    notice: null,
    selfId: null,
    knocking,
    endedByUs: false,
    removedBy: null,
  };
}

/** Left, removed or ended: nothing more happens in this meeting. */
export function isOver(phase: MeetingPhase): boolean {
  return phase === "left" || phase === "removed" || phase === "ended";
}

/**
 * What an `error` from the server means where we stand: `disconnected` (REMOVED without the commit
 * that removes us: the server only disconnected us, docs/e2ee.md "Leaving"), `closing` (the
 * server is going out of service and closes our connection next: we reconnect as after a drop,
 * and with several nodes take our place back on another, docs/protocol.md), `failed` for good,
 * `retry` a join turned away for now (a restart, a limit), or a `notice` to show.
 */
export function afterServerError(
  code: ErrorCode,
  { phase, knocking }: MeetingState,
): "disconnected" | "closing" | "failed" | "retry" | "notice" {
  if (code === "REMOVED") return "disconnected";
  if (code === "SHUTTING_DOWN" && phase !== "connecting") return "closing";
  // A knock that asks too often is told to wait a minute; it asks again when the person says.
  const knockRefused = phase === "connecting" && knocking && code === "RATE_LIMITED";
  // The server gave our knock up: nobody let us in in time.
  const knockExpired = phase === "waiting" && code === "NOT_A_MEMBER";
  if (isFinalError(code) || knockRefused || knockExpired) return "failed";
  return phase === "connecting" ? "retry" : "notice";
}
