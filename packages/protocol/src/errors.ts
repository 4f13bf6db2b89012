/**
 * Stable error codes carried by `error` replies. Clients branch on the code; the message is for
 * people. Listed in docs/protocol.md.
 */
export const ERROR_CODES = [
  "BAD_JSON",
  "BAD_MESSAGE",
  "UNKNOWN_TYPE",
  "TOO_LARGE",
  "UNSUPPORTED_VERSION",
  "RATE_LIMITED",
  "NOT_JOINED",
  "ALREADY_JOINED",
  "GATE_REFUSED",
  "LINK_REPLACED",
  "ROOM_FULL",
  "TOO_MANY_CONNECTIONS",
  "TOO_MANY_ROOMS",
  "NEGOTIATION_FAILED",
  "GROUP_EXISTS",
  "NOT_A_MEMBER",
  "BAD_MLS",
  "SHUTTING_DOWN",
  "SERVER_BUSY",
  "RESUME_TOKEN_USED",
  "NO_MEETING",
  "KNOCKING_DISABLED",
  "DENIED",
  "REMOVED",
  "INTERNAL",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * Refusals that end a client's attempt: the server will not take this connection (or this link,
 * this page, this person) now, and coming back as it is would be refused again. A client stops,
 * says why, and does not reconnect by itself. Every other code is recoverable: the refused message
 * changed nothing, the connection goes on, and a dropped one reconnects (docs/protocol.md
 * "Errors"). The web app and the bot read this one list.
 */
export const FINAL_ERROR_CODES = [
  "UNSUPPORTED_VERSION",
  "GATE_REFUSED",
  "LINK_REPLACED",
  "ROOM_FULL",
  "NO_MEETING",
  "KNOCKING_DISABLED",
  "DENIED",
  "REMOVED",
  "RESUME_TOKEN_USED",
] as const satisfies readonly ErrorCode[];

const FINAL: ReadonlySet<ErrorCode> = new Set(FINAL_ERROR_CODES);

export function isFinalError(code: ErrorCode): boolean {
  return FINAL.has(code);
}

/** Thrown by the codec; the server turns it into an `error` reply. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof Error && value.name === "ProtocolError" && "code" in value;
}
