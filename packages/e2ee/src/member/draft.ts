// A handler's work in progress: the next state so far and the effects so far, in order. A handler
// starts a draft from the state it was given (which it never changes: `set` makes a new record),
// hands it to the concerns it calls, and returns `step()`. Only the shell performs the effects.
import { fingerprintBytes } from "../admission/fingerprint.ts";
import type { Refusal } from "../admission/refusal.ts";
import { formatFingerprint } from "../mls/credential.ts";
import { MlsPolicyRefusedError } from "../mls/policy.ts";
import type { MemberErrorCode, MemberEvents } from "./events.ts";
import type { Effect, MemberState, MemberStats, MlsClientMessage, Step } from "./member-state.ts";

export class Draft {
  #state: MemberState;
  readonly #effects: Effect[] = [];

  constructor(state: MemberState) {
    this.#state = state;
  }

  get state(): MemberState {
    return this.#state;
  }

  /** The draft's state with `patch` applied (a new record). */
  set(patch: Partial<MemberState>): void {
    this.#state = { ...this.#state, ...patch };
  }

  count(stat: keyof MemberStats, n = 1): void {
    const stats = this.#state.stats;
    this.set({ stats: { ...stats, [stat]: stats[stat] + n } });
  }

  emit<K extends keyof MemberEvents>(name: K, value: MemberEvents[K]): void {
    this.#effects.push({ kind: "emit", name, value } as Effect);
  }

  report(code: MemberErrorCode, message: string): void {
    this.emit("error", { code, message });
  }

  /** Input from the server that does not decode: counted and reported, nothing else. */
  bad(message: string): void {
    this.count("badInput");
    this.report("BAD_INPUT", message);
  }

  send(message: MlsClientMessage): void {
    this.#effects.push({ kind: "send", message });
  }

  wake(at: number): void {
    if (Number.isFinite(at)) this.#effects.push({ kind: "wake", at });
  }

  erase(secrets: readonly Uint8Array[]): void {
    if (secrets.length > 0) this.#effects.push({ kind: "erase", secrets });
  }

  effect(effect: Effect): void {
    this.#effects.push(effect);
  }

  /** A line of the security log (events.ts `security`); it names a device, never a secret. */
  refusal({ reason, fingerprint, detail }: Refusal): void {
    this.count("securityEvents");
    this.emit("security", {
      reason,
      fingerprint:
        fingerprint === undefined ? undefined : formatFingerprint(fingerprintBytes(fingerprint)),
      detail,
      epoch: this.#state.session?.epoch,
    });
  }

  /** A line of the security log for `error`, if an admission or roles rule refused something. */
  securityOf(error: unknown): void {
    if (error instanceof MlsPolicyRefusedError && error.refusal !== undefined) {
      this.refusal(error.refusal);
    }
  }

  step(): Step {
    return { state: this.#state, effects: [...this.#effects] };
  }
}

/** A handler over a draft, run from a state: what the shell and the unit tests call. */
export async function run(
  state: MemberState,
  handler: (draft: Draft) => void | Promise<void>,
): Promise<Step> {
  const draft = new Draft(state);
  await handler(draft);
  return draft.step();
}
