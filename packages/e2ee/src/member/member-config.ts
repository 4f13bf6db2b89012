// How a member engine is set up (createMeetingMember's options), and the fixed configuration its
// handlers read (member-state.ts MemberConfig), with every default in one place.
import type { Admission } from "../admission/admission-policy.ts";
import type { MediaKeyRingOptions } from "../media-keys/key-ring.ts";
import type { MlsCiphersuiteName } from "../mls/ciphersuite.ts";
import type { DeviceIdentity } from "../mls/credential.ts";
import type { MlsPolicy } from "../mls/policy.ts";
import type { MemberTimers } from "./member-shell.ts";
import type { MemberConfig, MlsClientMessage } from "./member-state.ts";
import { DEFAULT_UNKNOWN_GRACE_MS } from "./unknown-participants.ts";

export interface MeetingMemberOptions {
  /** The device's long-term identity; its display name is the one members see. */
  readonly identity: DeviceIdentity;
  /** Sends one message to the server (the transport validates and serialises it). */
  readonly send: (message: MlsClientMessage) => void;
  /** Clock in ms since 1970 (default Date.now). */
  readonly now?: () => number;
  readonly timers?: MemberTimers;
  /** Uniform in [0, 1), for the self-update jitter (default Math.random). */
  readonly random?: () => number;
  /**
   * How this device came: with the invite secret's keys (admission/invite-keys.ts; they stay in
   * the engine) or with a knock link, optionally pinning the host. Decides the proof we upload,
   * the proofs we check, and which Welcome we accept (docs/e2ee.md "Admission").
   */
  readonly admission: Admission;
  /** Checked after Conclave's rules and the admission policy. */
  readonly policy?: MlsPolicy;
  /** How long a dropped participant keeps its leaf (default 30 000 ms). */
  readonly reconnectWindowMs?: number;
  /** Failover delay per rank of commit duty (default 2000 ms). */
  readonly failoverMs?: number;
  /** A commit of ours with no echo or refusal by then raises the withheld-commit alarm. */
  readonly withheldCommitMs?: number;
  /** A joiner not added within this sends a fresh KeyPackage (default 20 000 ms). */
  readonly keyPackageRefreshMs?: number;
  /** After mls-commit-failed, rejoin if no rollback comes within this (default 5000 ms). */
  readonly rollbackWaitMs?: number;
  /** Mean period of our own self-update commit (default 300 000 ms, jittered ±25 %). */
  readonly selfUpdateMs?: number;
  /** How long a message for a future epoch is held (default 5000 ms). */
  readonly futureQueueMs?: number;
  /** An announced participant without a leaf this long raises unknown-participant (10 000 ms). */
  readonly unknownParticipantMs?: number;
  /**
   * The MLS suite of a meeting we found, and of the KeyPackages we upload (default
   * MLS_CIPHERSUITE_NAME): a group's suite is fixed at its founding (mls/ciphersuite.ts).
   */
  readonly ciphersuite?: MlsCiphersuiteName;
  /** Options for the MediaKeyRing the member owns (its clock is the member's). */
  readonly ring?: Omit<MediaKeyRingOptions, "now" | "ledger">;
}

export function configOf(options: MeetingMemberOptions): MemberConfig {
  return {
    identity: options.identity,
    policy: options.policy,
    reconnectWindowMs: options.reconnectWindowMs ?? 30_000,
    failoverMs: options.failoverMs ?? 2000,
    withheldCommitMs: options.withheldCommitMs ?? 2000,
    keyPackageRefreshMs: options.keyPackageRefreshMs ?? 20_000,
    rollbackWaitMs: options.rollbackWaitMs ?? 5000,
    selfUpdateMs: options.selfUpdateMs ?? 300_000,
    futureQueueMs: options.futureQueueMs ?? 5000,
    unknownParticipantMs: options.unknownParticipantMs ?? DEFAULT_UNKNOWN_GRACE_MS,
    ciphersuite: options.ciphersuite,
  };
}

export const defaultTimers: MemberTimers = {
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};
