// The member engine's one state record, and what its handlers return: the next state and the
// effects for the shell to perform (member-shell.ts). Handlers never change a record they are
// given; a state moves only by a handler returning a new one (like ts-mls's processMessage, and
// delivery-service's GroupDelivery returning an Outcome).
import type { ClientMessage } from "@conclave/protocol";
import type { Admission } from "../admission/admission-policy.ts";
import type { MeetingRoles } from "../admission/meeting-roles.ts";
import type { EpochMediaKeys } from "../media-keys/key-schedule.ts";
import type { MlsCiphersuiteName } from "../mls/ciphersuite.ts";
import type { DeviceIdentity } from "../mls/credential.ts";
import type { KeyPackageBundle } from "../mls/key-package.ts";
import type { MlsPolicy } from "../mls/policy.ts";
import type { MlsSession } from "../mls/session.ts";
import { type AdmissionGate, openGate, type Upload } from "./admission-gate.ts";
import type { BuiltCommit } from "./commit-builder.ts";
import type { MemberEvents, RosterMember } from "./events.ts";
import { type HostRequests, NO_REQUESTS } from "./host-requests.ts";
import { NO_PARTICIPANTS, type Participants } from "./participants.ts";
import { NO_UNKNOWN, type UnknownWatch } from "./unknown-participants.ts";
import { NO_WITHDRAWN, type WithdrawnCommits } from "./withdrawn-commits.ts";

export type MlsClientMessage = Extract<
  ClientMessage,
  { type: "mls-found" | "mls-key-package" | "mls-commit" | "mls-message" | "mls-commit-failed" }
>;

export type MemberStatus = "idle" | "joining" | "member" | "removed" | "closed";

export interface MemberStats {
  readonly badInput: number;
  readonly commitsSent: number;
  readonly commitsAccepted: number;
  readonly commitsRefused: number;
  readonly commitsFailed: number;
  readonly rollbacks: number;
  readonly rejoins: number;
  readonly applicationRejected: number;
  readonly namesRefused: number;
  readonly queueExpired: number;
  readonly keyPackagesRejected: number;
  /** lines of the security log (`security` events) */
  readonly securityEvents: number;
  /** commits of ours the server neither echoed nor refused in time (`alarm` withheld-commit) */
  readonly commitsWithheld: number;
  /** unknown-participant alarms raised */
  readonly unknownParticipants: number;
  /** rollbacks refused: their evidence did not hold (`alarm` forged-rollback) */
  readonly rollbacksRefused: number;
  /** withdrawn commits delivered again, refused */
  readonly withdrawnRefused: number;
}

/** Timings and identity, fixed for the engine's life (member-config.ts fills the defaults). */
export interface MemberConfig {
  readonly identity: DeviceIdentity;
  /** the caller's policy, checked after Conclave's rules and the admission policy */
  readonly policy: MlsPolicy | undefined;
  readonly reconnectWindowMs: number;
  readonly failoverMs: number;
  readonly withheldCommitMs: number;
  readonly keyPackageRefreshMs: number;
  readonly rollbackWaitMs: number;
  readonly selfUpdateMs: number;
  readonly futureQueueMs: number;
  readonly unknownParticipantMs: number;
  /** the suite of a group we found and of the KeyPackages we upload (mls/ciphersuite.ts) */
  readonly ciphersuite: MlsCiphersuiteName | undefined;
}

/** What a handler may read besides the state: the configuration, the clock and randomness. */
export interface Ctx {
  readonly config: MemberConfig;
  readonly now: () => number;
  /** uniform in [0, 1) */
  readonly random: () => number;
}

/** Our commit, sent and not yet echoed or refused (commit-flight.ts). */
export interface InFlight {
  readonly epoch: bigint;
  readonly built: Exclude<BuiltCommit, { kind: "none" }>;
  /** another commit won this epoch: wait for the refusal, then decide again */
  readonly lost: boolean;
  /** an error came while it was out: if no echo by then, it was the commit that was refused */
  readonly giveUpAt: number | undefined;
  /** when its silence raises the withheld-commit alarm; undefined once raised */
  readonly alarmAt: number | undefined;
}

/** A message for an epoch we have not reached (future-queue.ts). */
export interface Queued {
  readonly kind: "handshake" | "application";
  readonly epoch: bigint;
  readonly from: string;
  readonly bytes: Uint8Array;
  readonly expires: number;
}

/** Commit duty's clocks (commit-turns.ts). */
export interface DutyClock {
  /** since when no host is in the roster (a successor is due) */
  readonly hostlessSince: number | undefined;
  readonly nextSelfUpdate: number;
  /** When we reached the current epoch: joiners' turns for their first update count from it. */
  readonly epochSince: number;
  /** no commit of ours before this (after a refusal or a failure) */
  readonly retryAfter: number;
  /** after a rollback: a fresh epoch is wanted (members that rolled back have no media keys) */
  readonly rekeySince: number | undefined;
}

export interface MemberState {
  readonly status: MemberStatus;
  readonly selfId: string | undefined;
  readonly session: MlsSession | undefined;
  /** The session before the latest commit, kept for mls-rollback until the next one is adopted. */
  readonly previous: MlsSession | undefined;
  /** The reference of the commit that took `previous` to `session`: what a rollback must name. */
  readonly appliedRef: Uint8Array | undefined;
  /** Commits verified rollbacks withdrew: never adopted again (withdrawn-commits.ts). */
  readonly withdrawn: WithdrawnCommits;
  /** What the latest commit consumed: erased once the next commit makes it final. */
  readonly unerased: readonly Uint8Array[];
  /** we founded the group (a GROUP_EXISTS then means: join instead) */
  readonly founded: boolean;
  /** our KeyPackages while joining, newest first (the one before may have a Welcome coming) */
  readonly bundles: readonly KeyPackageBundle[];
  readonly keyPackageSentAt: number;
  readonly inFlight: InFlight | undefined;
  /**
   * Commits of ours lost with the connection they went out on, in a row since the server last
   * answered one (commit-flight.ts `connectionLost`): one is a failover, two are withholding.
   */
  readonly commitsCut: number;
  /** we reported mls-commit-failed; a rollback to `epoch` is due by `deadline` (rollback.ts) */
  readonly awaitingRollback: { readonly epoch: bigint; readonly deadline: number } | undefined;
  readonly queue: readonly Queued[];
  /** KeyPackages waiting to be added, by uploader, with what their proofs say (uploads.ts). */
  readonly uploads: ReadonlyMap<string, Upload>;
  readonly gate: AdmissionGate;
  readonly requests: HostRequests;
  readonly participants: Participants;
  readonly unknown: UnknownWatch;
  /** Names members told us in their signed `hello`, by leaf: the server never sees them. */
  readonly names: ReadonlyMap<number, string>;
  /** the roles last announced by a `roles` event */
  readonly rolesShown: MeetingRoles | undefined;
  readonly roster: readonly RosterMember[];
  readonly duty: DutyClock;
  /** the latest epoch whose media keys the current ring holds; undefined for a fresh ring */
  readonly ringEpoch: bigint | undefined;
  readonly stats: MemberStats;
}

export const NO_STATS: MemberStats = {
  badInput: 0,
  commitsSent: 0,
  commitsAccepted: 0,
  commitsRefused: 0,
  commitsFailed: 0,
  rollbacks: 0,
  rejoins: 0,
  applicationRejected: 0,
  namesRefused: 0,
  queueExpired: 0,
  keyPackagesRejected: 0,
  securityEvents: 0,
  commitsWithheld: 0,
  unknownParticipants: 0,
  rollbacksRefused: 0,
  withdrawnRefused: 0,
};

export function initialState(admission: Admission): MemberState {
  return {
    status: "idle",
    selfId: undefined,
    session: undefined,
    previous: undefined,
    appliedRef: undefined,
    withdrawn: NO_WITHDRAWN,
    unerased: [],
    founded: false,
    bundles: [],
    keyPackageSentAt: 0,
    inFlight: undefined,
    commitsCut: 0,
    awaitingRollback: undefined,
    queue: [],
    uploads: new Map(),
    gate: openGate(admission),
    requests: NO_REQUESTS,
    participants: NO_PARTICIPANTS,
    unknown: NO_UNKNOWN,
    names: new Map(),
    rolesShown: undefined,
    roster: [],
    duty: {
      hostlessSince: undefined,
      nextSelfUpdate: Number.POSITIVE_INFINITY,
      epochSince: 0,
      retryAfter: 0,
      rekeySince: undefined,
    },
    ringEpoch: undefined,
    stats: NO_STATS,
  };
}

/** One event for the shell to emit, typed by its name. */
export type Emitted = {
  [K in keyof MemberEvents]: {
    readonly kind: "emit";
    readonly name: K;
    readonly value: MemberEvents[K];
  };
}[keyof MemberEvents];

/** What the shell does for a handler, in the order the handler said. */
export type Effect =
  | { readonly kind: "send"; readonly message: MlsClientMessage }
  | Emitted
  /** look again at this time (the shell keeps one timer, at the earliest) */
  | { readonly kind: "wake"; readonly at: number }
  /** zero secrets no state holds any more (RFC 9420 forward secrecy) */
  | { readonly kind: "erase"; readonly secrets: readonly Uint8Array[] }
  /** close the key ring and start a fresh one (announced as `key-ring`) */
  | { readonly kind: "new-ring" }
  /** close the key ring: we were removed */
  | { readonly kind: "close-ring" }
  /** install an epoch's media keys in the ring, then erase them */
  | { readonly kind: "install-keys"; readonly keys: EpochMediaKeys };

/** What one handler did: the next state, and what the shell must do. */
export interface Step {
  readonly state: MemberState;
  readonly effects: readonly Effect[];
}
