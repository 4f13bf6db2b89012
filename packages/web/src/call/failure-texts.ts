/**
 * What the page tells someone the server refused, and what they can do about it: a refusal that
 * retrying cannot fix (@conclave/protocol `isFinalError`) ends the meeting screen, with a way to
 * try again, to ask to join, or none.
 */
import type { ErrorCode } from "@conclave/protocol";

export type FailureCode = ErrorCode | "UNSUPPORTED_BROWSER";

export interface MeetingFailure {
  readonly code: FailureCode;
  readonly message: string;
}

const FAILURE_TEXT: Partial<Record<ErrorCode, string>> = {
  GATE_REFUSED: "This meeting link is not valid. Ask the person who invited you for the full link.",
  LINK_REPLACED:
    "The hosts replaced this meeting’s link, so this one no longer lets you in. You can ask to join, and a host can let you in.",
  ROOM_FULL: "This meeting is full.",
  UNSUPPORTED_VERSION: "This page is out of date for the server. Reload the page to update it.",
  DENIED: "A host declined your request to join.",
  KNOCKING_DISABLED:
    "The hosts of this meeting don’t let people ask to join. Ask one of them for an invite link.",
  NO_MEETING:
    "Nobody is in this meeting yet, so there is nobody to let you in. Try again once it has started.",
  RATE_LIMITED: "Too many requests to join came from your network. Wait a minute, then try again.",
  SERVER_BUSY: "The server is too busy to take anyone new right now. Try again in a few minutes.",
  NOT_A_MEMBER: "Nobody let you in in time. You can ask to join again.",
  RESUME_TOKEN_USED:
    "Your place in this meeting was already taken back by another connection, probably this meeting open in another tab or window. Use that one, or choose Try again to join here as a new participant.",
};

/** The refusal as the failure screen says it: our words where we have them, else the server's. */
export function failureOf(code: ErrorCode, message: string): MeetingFailure {
  return { code, message: FAILURE_TEXT[code] ?? message };
}

/**
 * What the failure screen offers: nothing more after a host's answer, asking to join after the
 * link was replaced, else trying again.
 */
export function remedyOf(code: FailureCode): "none" | "ask-to-join" | "try-again" {
  if (code === "DENIED" || code === "KNOCKING_DISABLED") return "none";
  return code === "LINK_REPLACED" ? "ask-to-join" : "try-again";
}
