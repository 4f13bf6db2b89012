// Errors thrown by @conclave/e2ee. Only misuse of the API throws; per-frame failures are results.
// Each error has a stable `code` that survives structured cloning into and out of a worker. This
// module imports nothing: an error that carries a domain value lives with its domain
// (MlsPolicyRefusedError, with the admission refusal, in mls/policy.ts).

export type E2eeErrorCode = "E2EE_USAGE" | MlsErrorCode;

/**
 * Why the MLS session refused something it received or was asked to do (src/mls). Listed in
 * packages/e2ee/README.md; stable, so that a worker and the page can branch on them.
 */
export type MlsErrorCode =
  | "MLS_KEY_PACKAGE_EXPIRED"
  | "MLS_KEY_PACKAGE_NOT_YET_VALID"
  | "MLS_KEY_PACKAGE_LIFETIME_TOO_LONG"
  | "MLS_KEY_PACKAGE_INVALID"
  | "MLS_CREDENTIAL_INVALID"
  | "MLS_GROUP_PIN_INVALID"
  | "MLS_GROUP_ROLES_INVALID"
  | "MLS_POLICY_REFUSED"
  | "MLS_MESSAGE_INVALID"
  | "MLS_WRONG_EPOCH"
  | "MLS_NOT_A_MEMBER";

const CODES: ReadonlySet<string> = new Set<E2eeErrorCode>([
  "E2EE_USAGE",
  "MLS_KEY_PACKAGE_EXPIRED",
  "MLS_KEY_PACKAGE_NOT_YET_VALID",
  "MLS_KEY_PACKAGE_LIFETIME_TOO_LONG",
  "MLS_KEY_PACKAGE_INVALID",
  "MLS_CREDENTIAL_INVALID",
  "MLS_GROUP_PIN_INVALID",
  "MLS_GROUP_ROLES_INVALID",
  "MLS_POLICY_REFUSED",
  "MLS_MESSAGE_INVALID",
  "MLS_WRONG_EPOCH",
  "MLS_NOT_A_MEMBER",
]);

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
  return typeof code === "string" && CODES.has(code);
}

/**
 * The MLS session refused input (a KeyPackage, a Welcome, a commit) or a policy refused a change.
 * The session state the call was given stays valid and unchanged.
 */
export class MlsSessionError extends E2eeError {
  override readonly code: MlsErrorCode;

  constructor(code: MlsErrorCode, message: string) {
    super(code, message);
    this.name = "MlsSessionError";
    this.code = code;
  }
}
