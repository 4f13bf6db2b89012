import { type ErrorCode, isProtocolError } from "@conclave/protocol";
import { NegotiationError } from "@conclave/sfu";

/**
 * A request the server turns down: the sender gets `error {code, message}` and nothing changed.
 * Thrown by the handlers; the session replies (docs/protocol.md "Errors").
 */
export class Refusal extends Error {
  override readonly name = "Refusal";
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The `error` reply for what a handler threw: its own code for a refusal, a protocol error or a
 * refused negotiation; null for anything else, which the caller logs and answers as INTERNAL.
 */
export function errorReply(error: unknown): { code: ErrorCode; message: string } | null {
  if (error instanceof Refusal || isProtocolError(error)) {
    return { code: error.code, message: error.message };
  }
  if (error instanceof NegotiationError) {
    return { code: "NEGOTIATION_FAILED", message: error.message };
  }
  return null;
}
