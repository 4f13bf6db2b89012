/**
 * Where one meeting stands for us (call/meeting-store.ts moves it): connecting, waiting in the
 * lobby, in, retrying, or over, and what the screens need to say about it.
 */
import type { ParticipantId } from "@conclave/protocol";
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
