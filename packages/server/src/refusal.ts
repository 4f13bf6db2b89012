import type { ErrorCode } from "@conclave/protocol";

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
