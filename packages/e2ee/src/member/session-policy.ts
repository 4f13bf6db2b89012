// The policy our MLS operations run under: Conclave's rules and the admission rules for the keys
// we hold now (admission/admission-policy.ts), then the caller's. The admit key changes when a
// commit replaces the invite secret, so the policy is made from the state at each operation.
import { admissionPolicy } from "../admission/admission-policy.ts";
import { isE2eeError } from "../errors.ts";
import { allOf, type MlsPolicy } from "../mls/policy.ts";
import type { MlsSession } from "../mls/session.ts";
import { admissionOf } from "./admission-gate.ts";
import type { Ctx, MemberState } from "./member-state.ts";

export function policyOf(state: MemberState, ctx: Ctx): MlsPolicy {
  const admission = admissionOf(state.gate);
  return allOf(
    admissionPolicy(() => admission),
    ctx.config.policy,
  );
}

/** The state's session, asking today's policy about what it receives and commits. */
export function liveSession(state: MemberState, ctx: Ctx): MlsSession | undefined {
  return state.session && { ...state.session, policy: policyOf(state, ctx) };
}

export function reasonOf(error: unknown): string {
  if (isE2eeError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}
