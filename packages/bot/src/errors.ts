import type { ErrorCode } from "@conclave/protocol";

/** Stable codes for everything the bot can fail with; the CLI prints them. */
export const BOT_ERROR_CODES = [
  "BAD_IVF",
  "BAD_OGG",
  "BAD_LINK",
  "SERVER_REFUSED",
  "CONNECTION_FAILED",
  "NEGOTIATION_FAILED",
  "USAGE",
] as const;
export type BotErrorCode = (typeof BOT_ERROR_CODES)[number];

/** The one error base of this package; subclasses say the cause. */
export class BotError extends Error {
  override readonly name: string = "BotError";
  constructor(
    readonly code: BotErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** A media container that does not parse (codec failure). */
export class MediaFormatError extends BotError {
  override readonly name = "MediaFormatError";
}

/** A meeting link that is not `http(s)://host/m/<roomId>#<secret>` or whose secret is wrong. */
export class LinkError extends BotError {
  override readonly name = "LinkError";
  constructor(message: string) {
    super("BAD_LINK", message);
  }
}

/** The server answered with an `error` message while joining; `serverCode` is its code. */
export class ServerRefusedError extends BotError {
  override readonly name = "ServerRefusedError";
  constructor(
    readonly serverCode: ErrorCode,
    message: string,
  ) {
    super("SERVER_REFUSED", `${serverCode}: ${message}`);
  }
}

/** Structural, so it holds for errors from another copy of this module too. */
export function isBotError(value: unknown): value is BotError {
  return (
    value instanceof Error &&
    "code" in value &&
    (BOT_ERROR_CODES as readonly unknown[]).includes(value.code)
  );
}

/** What decoders return instead of throwing: the value, or a typed failure. */
export type Result<T, E extends BotError = BotError> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly error: E };
