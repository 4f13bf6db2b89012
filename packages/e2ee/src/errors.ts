// Errors thrown by @conclave/e2ee. Only misuse of the API throws; per-frame failures are results.
// Each error has a stable `code` that survives structured cloning into and out of a worker.

export type E2eeErrorCode = "E2EE_USAGE";

export class E2eeError extends Error {
  readonly code: E2eeErrorCode;

  constructor(code: E2eeErrorCode, message: string) {
    super(message);
    this.name = "E2eeError";
    this.code = code;
  }
}

/** The caller broke the API's contract (a value out of range, a key of the wrong length, ...). */
export class E2eeUsageError extends E2eeError {
  constructor(message: string) {
    super("E2EE_USAGE", message);
    this.name = "E2eeUsageError";
  }
}

/** True for an E2eeError, including one that lost its prototype crossing a worker boundary. */
export function isE2eeError(value: unknown): value is { code: E2eeErrorCode; message: string } {
  if (typeof value !== "object" || value === null) return false;
  const code: unknown = Reflect.get(value, "code");
  return code === "E2EE_USAGE";
}
