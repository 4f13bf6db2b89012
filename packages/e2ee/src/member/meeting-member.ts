// The meeting member engine: the client side of the Delivery Service protocol (docs/e2ee.md),
// shared by the browser worker and the Node bot. It turns the server's messages into MLS session
// transitions, makes the commits commit duty asks for, and hands the media layer each epoch's keys
// through the MediaKeyRing it owns.
//
// Everything it does runs on one serial queue: one server message or timer at a time, each handled
// to the end (crypto included) before the next, so commits are processed strictly in epoch order.
// Handling never throws: bad input is counted (`stats`) and reported as an `error` event, and the
// state stays what it was.
import type { ClientMessage, ServerMessage } from "@conclave/protocol";
import { fromBase64url, normaliseDisplayName, toBase64url } from "@conclave/protocol";
import { type Admission, admissionPolicy } from "../admission/admission-policy.ts";
import {
  type Fingerprint,
  fingerprintBytes,
  fingerprintFromBytes,
  fingerprintOfKeyPackage,
  parseFingerprint,
} from "../admission/fingerprint.ts";
import { promote, successorOf } from "../admission/host-succession.ts";
import { type MeetingRoles, roleOf, sameRoles } from "../admission/meeting-roles.ts";
import { type Refusal, refusal } from "../admission/refusal.ts";
import { mayChange, type RolesChange } from "../admission/roles-change.ts";
import { E2eeUsageError, isE2eeError, MlsPolicyRefusedError } from "../errors.ts";
import {
  createMediaKeyRing,
  type MediaKeyRing,
  type MediaKeyRingOptions,
} from "../media-keys/key-ring.ts";
import {
  deriveEpochMediaKeys,
  eraseEpochMediaKeys,
  mediaEpochSource,
} from "../media-keys/key-schedule.ts";
import { NonceLedger } from "../media-keys/nonce-ledger.ts";
import { loadMlsCiphersuite, type MlsCiphersuiteName } from "../mls/ciphersuite.ts";
import { checkDisplayName, type DeviceIdentity, formatFingerprint } from "../mls/credential.ts";
import { processIncoming } from "../mls/incoming.ts";
import {
  decodeKeyPackage,
  type KeyPackageBundle,
  keyPackageRef,
  makeKeyPackage,
} from "../mls/key-package.ts";
import { allOf, type MlsPolicy } from "../mls/policy.ts";
import { type Roster, rosterEntry } from "../mls/roster.ts";
import {
  createMeeting,
  eraseConsumed,
  joinFromWelcome,
  type MlsSession,
  exportSecret as mlsExportSecret,
  sealApplicationMessage,
  type Transition,
} from "../mls/session.ts";
import { constantTimeEqual, toHex } from "../sframe/bytes.ts";
import { AdmissionGate, type Exporter, type Upload } from "./admission-gate.ts";
import {
  decodeAppMessage,
  encodeOpaque,
  encodeTyped,
  type HostRequestMessage,
  isReaction,
  isTimestamp,
  MAX_CHAT_TEXT,
  type Reaction,
  type TypedAppMessage,
} from "./app-message.ts";
import {
  type BuiltCommit,
  buildAdd,
  buildRemove,
  buildRoles,
  buildUpdate,
  type Candidate,
} from "./commit-builder.ts";
import { planCommit } from "./commit-duty.ts";
import {
  type EpochEvent,
  type EpochReason,
  MemberEmitter,
  type MemberErrorCode,
  type MemberEvents,
  type RosterMember,
} from "./events.ts";
import { peekEpoch } from "./framing.ts";
import { judgeHostCommand, mayCommand } from "./host-commands.ts";
import { HostRequests, type HostWork } from "./host-requests.ts";
import { Participants } from "./participants.ts";
import {
  commitReference,
  type RollbackClaim,
  readCommitFraming,
  signFailureReport,
  verifyRollback,
} from "./rollback-evidence.ts";
import { UnknownParticipants } from "./unknown-participants.ts";
import { WithdrawnCommits } from "./withdrawn-commits.ts";

export type MlsClientMessage = Extract<
  ClientMessage,
  { type: "mls-found" | "mls-key-package" | "mls-commit" | "mls-message" | "mls-commit-failed" }
>;

export interface MemberTimers {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

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
  readonly ring?: Omit<MediaKeyRingOptions, "now">;
}

export type MemberStatus = "idle" | "joining" | "member" | "removed" | "closed";

export interface MemberStats {
  badInput: number;
  commitsSent: number;
  commitsAccepted: number;
  commitsRefused: number;
  commitsFailed: number;
  rollbacks: number;
  rejoins: number;
  applicationRejected: number;
  namesRefused: number;
  queueExpired: number;
  keyPackagesRejected: number;
  /** lines of the security log (`security` events) */
  securityEvents: number;
  /** commits of ours the server neither echoed nor refused in time (`alarm` withheld-commit) */
  commitsWithheld: number;
  /** unknown-participant alarms raised */
  unknownParticipants: number;
  /** rollbacks refused: their evidence did not hold (`alarm` forged-rollback) */
  rollbacksRefused: number;
  /** withdrawn commits delivered again, refused */
  withdrawnRefused: number;
}

export interface MeetingMember {
  readonly status: MemberStatus;
  readonly joined: boolean;
  readonly epoch: bigint | undefined;
  readonly ownLeaf: number | undefined;
  readonly roster: readonly RosterMember[];
  /** Five groups of five digits; equal for everyone in the same group (mls/security-code.ts). */
  readonly securityCode: string | undefined;
  /** Holds this epoch's SFrame keys; replaced by a fresh ring after a rollback or a rejoin. */
  readonly mediaKeyRing: MediaKeyRing;
  readonly stats: Readonly<MemberStats>;
  /** Feeds one parsed server message; messages the engine does not use are ignored. */
  receive(message: ServerMessage): void;
  /** Sends opaque application data to every other member; false if we are not a member. */
  sendApplication(data: Uint8Array): Promise<boolean>;
  sendChat(text: string): Promise<boolean>;
  /** Tells the group our hand is up since `at` (ms since 1970, our clock); false if not a member. */
  raiseHand(at: number): Promise<boolean>;
  /**
   * Lowers the hand of `leaf` (default: ours). Receivers decide whose hand a sender may lower
   * (`mayLowerHand`): today only its own.
   */
  lowerHand(leaf?: number): Promise<boolean>;
  sendReaction(emoji: Reaction): Promise<boolean>;
  /** Tells the group we started (true) or stopped (false) recording the meeting on this device. */
  announceRecording(active: boolean): Promise<boolean>;
  /**
   * Host commands (member/host-commands.ts), sealed to the whole group: each resolves false if we
   * are not a member, our role may not send it, or (for one member) nobody here has that
   * fingerprint or it is ours. Receivers check our role again before acting.
   * As a host or co-host: asks the member with this fingerprint to unmute (it asks its user).
   */
  askToUnmute(fingerprint: string): Promise<boolean>;
  /** As a host or co-host: the member with this fingerprint mutes its own microphone. */
  muteMember(fingerprint: string): Promise<boolean>;
  /** As a host or co-host: every other member mutes its own microphone. */
  muteEveryone(): Promise<boolean>;
  /** As a host: every other member leaves the meeting. */
  endMeeting(): Promise<boolean>;
  /**
   * Gives up our state and joins again, as after a missed commit: the caller saw the group move on
   * without us (frames of a newer epoch, frames/media-watch.ts). Nothing if we are not a member.
   */
  resync(why: string): void;
  /** Makes our self-update due now (it still waits for pending work and for its turn). */
  requestSelfUpdate(): void;
  /**
   * Says goodbye to the group (a `goodbye` application message, signed by our leaf) before the
   * caller sends the server `leave`: members remove our leaf at once only on this, not on the
   * server's word. False if we are not a member.
   */
  leave(): Promise<boolean>;
  /** Hosts, co-hosts, settings and deny-list of the group we are in (admission/meeting-roles.ts). */
  readonly roles: MeetingRoles | undefined;
  /**
   * Roles and settings changes, committed by us as GroupContextExtensions (admission/roles-change.ts
   * says who may make which). Each resolves false at once if we are not a member or our role does
   * not allow it, else true once the change is queued; it is committed in our next turn, retried
   * after a lost race, and visible in `roles` (and the `roles` event) once a commit carries it.
   * Fingerprints as the roster shows them.
   */
  setLocked(locked: boolean): Promise<boolean>;
  setLobby(settings: { lobbyMandatory: boolean; knockingEnabled: boolean }): Promise<boolean>;
  makeCoHost(fingerprint: string, on: boolean): Promise<boolean>;
  /** Hands our host role to a member; we stay in the meeting as a member. */
  transferHost(fingerprint: string): Promise<boolean>;
  /** Puts a device on the deny-list, then removes it in our next commit if it is here. */
  deny(fingerprint: string): Promise<boolean>;
  /**
   * As a host, "remove and block": `deny`, then, once the device is out, replace the invite secret
   * (member/host-requests.ts), so the old link only leads to knocking. Members that hold the
   * secret get the new one in an `invite-replaced` event.
   */
  block(fingerprint: string): Promise<boolean>;
  /**
   * As a host or co-host: removes the member at `leaf` in our next commit (not ourselves). False
   * if we may not or nobody is there. Roles are checked by us only: any member may commit a Remove.
   */
  remove(leaf: number): Promise<boolean>;
  /**
   * As a host or co-host: adds the participant whose KeyPackage waits (a knock, or any joiner
   * while the lobby is mandatory), without a proof: exactly the upload whose KeyPackageRef (hex,
   * from its `upload` event) the host's card showed. False if we may not, or no such upload waits;
   * if another upload comes under that id before the Add, the request is dropped (a new card).
   */
  admit(participantId: string, keyPackageRef: string): Promise<boolean>;
  /**
   * MLS-Exporter of the current epoch (RFC 9420 §8.5); undefined when we are not a member. Secret:
   * for keys derived inside the worker, and for tests that check such keys never leak.
   */
  exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array | undefined>;
  on<K extends keyof MemberEvents>(name: K, listener: (value: MemberEvents[K]) => void): () => void;
  /** Resolves once every message and timer received so far has been handled. */
  idle(): Promise<void>;
  close(): void;
}

interface InFlight {
  readonly epoch: bigint;
  readonly built: Exclude<BuiltCommit, { kind: "none" }>;
  /** another commit won this epoch: wait for the refusal, then decide again */
  lost: boolean;
  /** an error came while it was out: if no echo by then, it was the commit that was refused */
  giveUpAt: number | undefined;
  /** when its silence raises the withheld-commit alarm; undefined once raised */
  alarmAt: number | undefined;
}

interface Queued {
  readonly kind: "handshake" | "application";
  readonly epoch: bigint;
  readonly from: string;
  readonly bytes: Uint8Array;
  readonly expires: number;
}

const defaultTimers: MemberTimers = {
  setTimeout: (run, ms) => globalThis.setTimeout(run, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as Parameters<typeof clearTimeout>[0]),
};

function reasonOf(error: unknown): string {
  if (isE2eeError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

function hasUnmergedLeaves(session: MlsSession): boolean {
  return session.state.ratchetTree.some(
    (node) => node?.nodeType === "parent" && node.parent.unmergedLeaves.length > 0,
  );
}

/**
 * Leaves still holding the key their KeyPackage brought (added, not yet updated), ascending:
 * every member reads the same list from the tree, so joiners can take turns with their first
 * update instead of all racing for each epoch.
 */
function freshLeaves(session: MlsSession): number[] {
  const fresh: number[] = [];
  session.state.ratchetTree.forEach((node, index) => {
    if (node?.nodeType === "leaf" && node.leaf.leafNodeSource === "key_package") {
      fresh.push(index / 2);
    }
  });
  return fresh;
}

function rosterDiff(before: Roster, after: Roster): { added: number[]; removed: number[] } {
  const same = (a: Roster[number], b: Roster[number] | undefined) =>
    b !== undefined && constantTimeEqual(a.fingerprint, b.fingerprint);
  return {
    added: after.filter((e) => !same(e, rosterEntry(before, e.leafIndex))).map((e) => e.leafIndex),
    removed: before
      .filter((e) => !same(e, rosterEntry(after, e.leafIndex)))
      .map((e) => e.leafIndex),
  };
}

/** The fingerprint of the committer of `commit` (a PublicMessage of `session`'s epoch), if known. */
function committerOf(session: MlsSession, commit: Uint8Array): Fingerprint | undefined {
  const framing = readCommitFraming(session, commit);
  const entry =
    typeof framing === "string" ? undefined : rosterEntry(session.roster, framing.committer);
  return entry === undefined ? undefined : fingerprintFromBytes(entry.fingerprint);
}

export function createMeetingMember(options: MeetingMemberOptions): MeetingMember {
  const now = options.now ?? Date.now;
  const timers = options.timers ?? defaultTimers;
  const random = options.random ?? Math.random;
  const reconnectWindowMs = options.reconnectWindowMs ?? 30_000;
  const failoverMs = options.failoverMs ?? 2000;
  const withheldCommitMs = options.withheldCommitMs ?? 2000;
  const keyPackageRefreshMs = options.keyPackageRefreshMs ?? 20_000;
  const rollbackWaitMs = options.rollbackWaitMs ?? 5000;
  const selfUpdateMs = options.selfUpdateMs ?? 300_000;
  const futureQueueMs = options.futureQueueMs ?? 5000;
  const gate = new AdmissionGate(options.admission);
  const hostRequests = new HostRequests();
  const policy = allOf(
    admissionPolicy(() => gate.admission),
    options.policy,
  );
  const policyOption = { policy };
  // One ledger for the engine's life: a ring made after a rollback never restarts a counter or a
  // replay window of keys it installs again (media-keys/nonce-ledger.ts).
  const ledger = new NonceLedger();
  const newRing = () => createMediaKeyRing({ ...options.ring, now, ledger });

  const events = new MemberEmitter();
  const participants = new Participants();
  const unknown = new UnknownParticipants(options.unknownParticipantMs);
  const stats: MemberStats = {
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

  let status: MemberStatus = "idle";
  /** close() was called: for good, whatever a job still running sets `status` to. */
  let closed = false;
  let selfId: string | undefined;
  let ring = newRing();
  let session: MlsSession | undefined;
  /** The session before the latest commit, kept for mls-rollback until the next one is adopted. */
  let previous: MlsSession | undefined;
  /** The reference of the commit that took `previous` to `session`: what a rollback must name. */
  let appliedRef: Uint8Array | undefined;
  /** Commits verified rollbacks withdrew: never adopted again. */
  const withdrawn = new WithdrawnCommits();
  /** What the latest commit consumed: erased once the next commit makes it final. */
  let unerased: readonly Uint8Array[] = [];
  let founded = false;
  let bundles: KeyPackageBundle[] = [];
  let keyPackageSentAt = 0;
  let inFlight: InFlight | undefined;
  let awaitingRollback: { readonly epoch: bigint; readonly deadline: number } | undefined;
  let queue: Queued[] = [];
  /** KeyPackages waiting to be added, by uploader, with what their proofs say (admission-gate). */
  const pendingKeyPackages = new Map<string, Upload>();
  /** since when no host is in the roster (a successor is due) */
  let hostlessSince: number | undefined;
  let rolesShown: MeetingRoles | undefined;
  /** Names members told us in their signed `hello`, by leaf: the server never sees them. */
  const names = new Map<number, string>();
  let nextSelfUpdate = Number.POSITIVE_INFINITY;
  /** When we reached the current epoch: joiners' turns for their first update count from it. */
  let epochSince = 0;
  let retryAfter = 0;
  /** after a rollback: a fresh epoch is wanted (members that rolled back have no media keys) */
  let rekeySince: number | undefined;
  let rosterView: readonly RosterMember[] = [];

  let chain: Promise<void> = Promise.resolve();
  let timer: { handle: unknown; at: number } | undefined;
  let wakeAt = Number.POSITIVE_INFINITY;

  // ---- plumbing ---------------------------------------------------------------------------

  function report(code: MemberErrorCode, message: string): void {
    events.emit("error", { code, message });
  }

  function bad(message: string): void {
    stats.badInput++;
    report("BAD_INPUT", message);
  }

  /** A line of the security log for `error`, if an admission or roles rule refused something. */
  function security(error: unknown): void {
    if (error instanceof MlsPolicyRefusedError && error.refusal !== undefined) {
      logRefusal(error.refusal);
    }
  }

  function logRefusal({ reason, fingerprint, detail }: Refusal): void {
    stats.securityEvents++;
    events.emit("security", {
      reason,
      fingerprint:
        fingerprint === undefined ? undefined : formatFingerprint(fingerprintBytes(fingerprint)),
      detail,
      epoch: session?.epoch,
    });
  }

  function enqueue(job: () => Promise<void>): Promise<void> {
    const run = chain.then(async () => {
      if (closed) return;
      try {
        await job();
        await drainQueue();
        await decide();
        watchUnknown();
      } catch (error) {
        report("LOCAL_FAILURE", reasonOf(error));
      }
      // A job that was running when close() came may have taken up a group again: drop it.
      if (closed) shutDown();
      else reschedule();
    });
    chain = run;
    return run;
  }

  /** docs/e2ee.md "Alarms": announced by the server, no leaf in our roster, past the grace. */
  function watchUnknown(): void {
    const roster = status === "member" ? session?.roster : undefined;
    const announced = roster ? participants.announced().filter((p) => p.id !== selfId) : [];
    // A phantom may claim no leaf but one a present participant can hold: not ours, and not one
    // whose member dropped and may come back (docs/e2ee.md "Alarms").
    const held = participants.heldLeaves();
    const leaves = new Set(
      roster
        ?.map((e) => e.leafIndex)
        .filter((leaf) => leaf !== session?.ownLeafIndex && !held.has(leaf)),
    );
    const change = unknown.check(announced, leaves, new Set(pendingKeyPackages.keys()), now());
    for (const participantId of change.cleared) {
      events.emit("alarm", { kind: "unknown-participant", participantId, active: false });
    }
    for (const participantId of change.raised) {
      stats.unknownParticipants++;
      events.emit("alarm", { kind: "unknown-participant", participantId, active: true });
    }
    if (change.nextAt !== undefined) wake(change.nextAt);
  }

  function wake(at: number): void {
    wakeAt = Math.min(wakeAt, at);
  }

  function reschedule(): void {
    if (status === "removed") wakeAt = Number.POSITIVE_INFINITY;
    if (status === "joining") wake(keyPackageSentAt + keyPackageRefreshMs);
    if (awaitingRollback !== undefined) wake(awaitingRollback.deadline);
    for (const item of queue) wake(item.expires);
    if (inFlight?.giveUpAt !== undefined) wake(inFlight.giveUpAt);
    if (inFlight?.alarmAt !== undefined) wake(inFlight.alarmAt);
    const at = wakeAt;
    wakeAt = Number.POSITIVE_INFINITY;
    if (timer !== undefined && timer.at === at) return;
    if (timer !== undefined) timers.clearTimeout(timer.handle);
    timer = undefined;
    if (!Number.isFinite(at)) return;
    const handle = timers.setTimeout(
      () => {
        timer = undefined;
        void enqueue(tick);
      },
      Math.max(0, at - now()),
    );
    timer = { handle, at };
  }

  function bytesOf(text: string, what: string): Uint8Array | undefined {
    const bytes = fromBase64url(text);
    if (bytes === null) bad(`${what} is not base64url`);
    return bytes ?? undefined;
  }

  function scheduleSelfUpdate(): void {
    nextSelfUpdate = now() + selfUpdateMs * (0.75 + 0.5 * random());
  }

  function rebuildRoster(): void {
    const own = session?.ownLeafIndex;
    rosterView = (session?.roster ?? []).map((entry) => ({
      leaf: entry.leafIndex,
      displayName:
        entry.leafIndex === own ? options.identity.displayName : (names.get(entry.leafIndex) ?? ""),
      deviceId: entry.deviceId,
      fingerprint: formatFingerprint(entry.fingerprint),
      nameConfirmed: entry.leafIndex === own || names.has(entry.leafIndex),
      self: entry.leafIndex === own,
      role:
        session === undefined
          ? "member"
          : roleOf(session.roles, fingerprintFromBytes(entry.fingerprint)),
    }));
    const roles = session?.roles;
    if (roles !== undefined && (rolesShown === undefined || !sameRoles(roles, rolesShown))) {
      rolesShown = roles;
      events.emit("roles", roles);
    }
  }

  // ---- joining ----------------------------------------------------------------------------

  /** To the server, unless we were closed meanwhile (a job may still be running). */
  function send(message: MlsClientMessage): void {
    if (!closed) options.send(message);
  }

  /** What close() does; again after a job that was still running when it came. */
  function shutDown(): void {
    if (timer !== undefined) timers.clearTimeout(timer.handle);
    timer = undefined;
    forgetState();
    for (const bundle of bundles) eraseBundle(bundle);
    bundles = [];
    status = "closed";
  }

  function forgetState(): void {
    eraseConsumed(unerased);
    unerased = [];
    session = undefined;
    previous = undefined;
    inFlight = undefined;
    awaitingRollback = undefined;
    rekeySince = undefined;
    queue = [];
    names.clear();
    hostRequests.clear();
    hostlessSince = undefined;
    rolesShown = undefined;
    ring.close();
    ring = newRing();
    rebuildRoster();
  }

  async function sendKeyPackage(): Promise<void> {
    const suite = await loadMlsCiphersuite(options.ciphersuite);
    const bundle = await makeKeyPackage(options.identity, suite, { now: now() });
    // Keep the one before too: its Welcome may already be on the way.
    for (const old of bundles.slice(1)) eraseBundle(old);
    bundles = [bundle, ...bundles.slice(0, 1)];
    keyPackageSentAt = now();
    const extras = await gate.extrasFor(bundle, options.identity.displayName);
    send({ type: "mls-key-package", keyPackage: toBase64url(bundle.encoded), ...extras });
  }

  function eraseBundle(bundle: KeyPackageBundle): void {
    eraseConsumed([bundle.privatePackage.initPrivateKey, bundle.privatePackage.hpkePrivateKey]);
  }

  async function startJoining(): Promise<void> {
    forgetState();
    founded = false;
    status = "joining";
    await sendKeyPackage();
  }

  async function rejoin(why: string): Promise<void> {
    stats.rejoins++;
    report("REJOINING", why);
    await startJoining();
  }

  async function found(): Promise<void> {
    // Without the secret we could not admit the invited (no proofs to check, no Welcome tags they
    // would accept): a knock waits for a host's group instead.
    if (gate.keys === undefined) {
      await startJoining();
      return;
    }
    forgetState();
    const made = await createMeeting(options.identity, {
      ...policyOption,
      now: now(),
      ...(options.ciphersuite === undefined ? {} : { ciphersuite: options.ciphersuite }),
    });
    eraseConsumed(made.consumed);
    session = made.session;
    founded = true;
    status = "member";
    send({ type: "mls-found", groupId: toBase64url(made.session.groupId) });
    await newEpoch(undefined, "founded", undefined);
  }

  async function onWelcome(bytes: Uint8Array): Promise<void> {
    if (status !== "joining") return;
    const reasons: string[] = [];
    for (const bundle of bundles) {
      let joined: Transition;
      try {
        joined = await joinFromWelcome(bundle, bytes, policyOption);
      } catch (error) {
        // A Welcome with no valid tag, or not from the pinned host: the server may be trying to
        // seat us in a group of its own (admission/admission-policy.ts).
        security(error);
        reasons.push(reasonOf(error));
        continue;
      }
      eraseConsumed(joined.consumed);
      for (const other of bundles) if (other !== bundle) eraseBundle(other);
      bundles = [];
      session = joined.session;
      status = "member";
      await newEpoch(undefined, "joined", undefined);
      return;
    }
    bad(`a Welcome that none of our KeyPackages can open (${reasons.join("; ")})`);
    // The committer thinks we are in; a fresh KeyPackage gets our old leaf replaced.
    await sendKeyPackage();
  }

  // ---- epochs -----------------------------------------------------------------------------

  async function installMediaKeys(): Promise<boolean> {
    if (session === undefined || !session.active) return false;
    const keys = await deriveEpochMediaKeys(mediaEpochSource(session));
    try {
      if (ring.currentEpoch !== undefined && keys.epoch <= ring.currentEpoch) {
        // Only after a rollback: a fresh ring, so no counter is ever reused under one key.
        ring.close();
        ring = newRing();
      }
      await ring.installEpoch(keys);
    } finally {
      eraseEpochMediaKeys(keys);
    }
    return true;
  }

  /** Adopts a transition that moved us to a new epoch (a commit, ours or another's). */
  async function adopt(
    transition: Transition,
    reason: EpochReason,
    committer: number | undefined,
    commit: Uint8Array,
  ): Promise<void> {
    const old = session;
    // The commit before this one can no longer be rolled back: its secrets go now.
    eraseConsumed(unerased);
    previous = old;
    appliedRef = await commitReference(commit);
    unerased = transition.consumed;
    session = transition.session;
    stats.commitsAccepted++;
    await newEpoch(old, reason, committer);
  }

  async function newEpoch(
    old: MlsSession | undefined,
    reason: EpochReason,
    committer: number | undefined,
  ): Promise<void> {
    if (session === undefined) return;
    const diff = rosterDiff(old?.roster ?? [], session.roster);
    for (const leaf of [...diff.added, ...diff.removed]) names.delete(leaf);
    dropAddedKeyPackages();
    rekeySince = undefined;
    retryAfter = 0;
    epochSince = now();
    if (reason === "own-commit" || old === undefined) scheduleSelfUpdate();
    // A joiner updates at once: its leaf key sat in a KeyPackage on the server, and its update
    // clears the unmerged leaves its Add left on the tree (RFC 9420 §7.9, and see decide()). So
    // does a founder, so that no leaf keeps its first key and joiners' turns (freshLeaves) are
    // never held up by one that will not update.
    if (reason === "joined" || reason === "founded") nextSelfUpdate = now();
    if (!session.active) {
      await onRemoved(old, committer);
      return;
    }
    await followInviteGeneration(old !== undefined);
    const installed = await installMediaKeys();
    rebuildRoster();
    const rosterChanged = diff.added.length > 0 || diff.removed.length > 0;
    const event: EpochEvent = {
      epoch: session.epoch,
      reason,
      committer,
      added: diff.added,
      removed: diff.removed,
      rosterChanged,
      mediaKeysInstalled: installed,
    };
    events.emit("epoch", event);
    if (rosterChanged) events.emit("roster", rosterView);
    // New members cannot read what was said before they came: tell them our name again.
    if (diff.added.some((leaf) => leaf !== session?.ownLeafIndex) || old === undefined) {
      await seal(encodeTyped({ t: "hello", displayName: options.identity.displayName }));
    }
  }

  /**
   * Replaces our invite keys when a commit raised the generation, and tells the page. Joining, we
   * take the group's generation as ours: only the epoch of the raising commit derives the next.
   */
  async function followInviteGeneration(byCommit: boolean): Promise<void> {
    const current = session;
    if (current === undefined) return;
    const generation = current.roles.inviteGeneration;
    const exporter: Exporter = (label, context, length) =>
      mlsExportSecret(current, label, context, length);
    const secret = await gate.follow(generation, byCommit ? exporter : undefined);
    if (secret === undefined) return;
    // Proofs checked with the old keys say nothing now: an old link's holder must knock.
    for (const [from, upload] of pendingKeyPackages) {
      if (upload.proof === undefined) continue;
      const judged = await gate.judge(decodeKeyPackage(upload.bytes), toBase64url(upload.proof));
      pendingKeyPackages.set(from, { ...upload, proven: judged.kind === "proven" });
    }
    events.emit("invite-replaced", { generation, secret });
  }

  /** The uploads waiting, by participant id: each one's KeyPackageRef (hex). */
  function waitingRefs(): Map<string, string> {
    return new Map([...pendingKeyPackages].map(([from, upload]) => [from, upload.ref]));
  }

  function dropAddedKeyPackages(): void {
    if (session === undefined) return;
    const inTree = new Set<string>();
    for (const node of session.state.ratchetTree) {
      if (node?.nodeType === "leaf") inTree.add(toHex(node.leaf.hpkePublicKey));
    }
    for (const [from, pending] of pendingKeyPackages) {
      if (inTree.has(pending.hpkeKey)) pendingKeyPackages.delete(from);
    }
  }

  async function onRemoved(before: MlsSession | undefined, committer: number | undefined) {
    const entry =
      before === undefined || committer === undefined
        ? undefined
        : rosterEntry(before.roster, committer);
    const by =
      entry === undefined
        ? undefined
        : {
            leaf: entry.leafIndex,
            fingerprint: formatFingerprint(entry.fingerprint),
            displayName: names.get(entry.leafIndex) ?? "",
          };
    // `previous` stays until close(): a rollback of the commit that removed us restores it.
    status = "removed";
    inFlight = undefined;
    ring.close();
    rebuildRoster();
    events.emit("removed", { epoch: session?.epoch ?? 0n, by });
  }

  // ---- commits from the Delivery Service ----------------------------------------------------

  async function onCommit(from: string, epoch: bigint, bytes: Uint8Array): Promise<void> {
    if (status === "joining") {
      queue.push({ kind: "handshake", epoch, from, bytes, expires: now() + futureQueueMs });
      return;
    }
    if (status !== "member" || session === undefined) return;
    if (epoch < session.epoch) return; // already seen (e.g. before a rollback restored us)
    if (epoch > session.epoch || awaitingRollback !== undefined) {
      queue.push({ kind: "handshake", epoch, from, bytes, expires: now() + futureQueueMs });
      return;
    }
    await applyCommit(bytes);
  }

  async function applyCommit(bytes: Uint8Array): Promise<void> {
    if (session === undefined) return;
    const mine = inFlight;
    if (mine !== undefined && mine.epoch === session.epoch) {
      if (constantTimeEqual(mine.built.transition.commit, bytes)) {
        // The echo of our own commit: the Delivery Service accepted it (docs/e2ee.md).
        inFlight = undefined;
        await adopt(mine.built.transition, "own-commit", session.ownLeafIndex, bytes);
        return;
      }
      mine.lost = true;
    }
    if (withdrawn.has(await commitReference(bytes))) {
      // Withdrawn by a verified rollback: taking it again would reinstall an epoch's keys.
      stats.withdrawnRefused++;
      logRefusal(
        refusal("withdrawn-commit", committerOf(session, bytes), "a withdrawn commit again"),
      );
      return;
    }
    let result: Awaited<ReturnType<typeof processIncoming>>;
    try {
      result = await processIncoming(session, bytes);
    } catch (error) {
      security(error);
      await commitFailed(reasonOf(error), bytes);
      return;
    }
    if (result.event.kind !== "commit") {
      await commitFailed("a handshake message that is not a commit", bytes);
      return;
    }
    await adopt(result, "commit", result.event.committer, bytes);
  }

  async function commitFailed(why: string, commit: Uint8Array): Promise<void> {
    if (session === undefined) return;
    stats.commitsFailed++;
    report("COMMIT_FAILED", `commit of epoch ${session.epoch}: ${why}`);
    awaitingRollback = { epoch: session.epoch, deadline: now() + rollbackWaitMs };
    const signed = await signFailureReport(session, commit);
    send({
      type: "mls-commit-failed",
      epoch: Number(signed.epoch),
      commitRef: toBase64url(signed.commitRef),
      leaf: signed.leaf,
      signature: toBase64url(signed.signature),
    });
  }

  /**
   * docs/e2ee.md "Recovery": a rollback is acted on only if its evidence holds in the epoch the
   * withdrawn commit was made in (member/rollback-evidence.ts): our state of that epoch, and the
   * commit we applied in it. A forged one is refused, logged and alarmed; a real one of a commit
   * we applied is alarmed too, and our own requests are made again.
   */
  async function onRollback(claim: RollbackClaim): Promise<void> {
    if (session === undefined) return;
    const { epoch } = claim;
    const applied = session.epoch === epoch + 1n && previous?.epoch === epoch;
    if (!applied && session.epoch !== epoch) {
      // We hold no state of that epoch: the withdrawn commit added us (we cannot check its
      // evidence; the worst a forgery does is make us join again), or we are past it.
      if (status === "member" && previous === undefined && session.epoch === epoch + 1n) {
        await rejoin(`rollback of the commit that added us (epoch ${epoch})`);
      }
      return;
    }
    const before = applied && previous !== undefined ? previous : session;
    const verdict = await verifyRollback(before, claim, applied ? appliedRef : undefined);
    if (!verdict.ok) {
      stats.rollbacksRefused++;
      logRefusal(refusal("rollback-forged", undefined, verdict.reason));
      events.emit("alarm", { kind: "forged-rollback", epoch });
      return;
    }
    withdrawn.add(verdict.commit.ref);
    if (status === "removed" && applied) status = "member"; // the commit that removed us is withdrawn
    if (status !== "member") return;
    stats.rollbacks++;
    // Whatever was queued after the withdrawn commit was made on top of it.
    queue = queue.filter((q) => (q.kind === "handshake" ? q.epoch < epoch : q.epoch <= epoch));
    if (applied && previous !== undefined) {
      const committer = rosterEntry(previous.roster, verdict.commit.committer);
      await returnTo(previous);
      events.emit("alarm", {
        kind: "rolled-back",
        epoch,
        committer: committer === undefined ? undefined : formatFingerprint(committer.fingerprint),
      });
    }
    awaitingRollback = undefined;
    hostRequests.reopen();
    rekeySince = now();
  }

  /** Back to the session we kept before the withdrawn commit. */
  async function returnTo(kept: MlsSession): Promise<void> {
    const withdrawnSession = session;
    if (withdrawnSession === undefined) return;
    session = kept;
    previous = undefined;
    appliedRef = undefined;
    unerased = []; // they belong to the session we return to
    if (inFlight !== undefined) inFlight.lost = true;
    const diff = rosterDiff(withdrawnSession.roster, kept.roster);
    for (const leaf of [...diff.added, ...diff.removed]) names.delete(leaf);
    ring.close();
    ring = newRing();
    await followInviteGeneration(true);
    rebuildRoster();
    const rosterChanged = diff.added.length > 0 || diff.removed.length > 0;
    events.emit("epoch", {
      epoch: kept.epoch,
      reason: "rollback",
      committer: undefined,
      added: diff.added,
      removed: diff.removed,
      rosterChanged,
      mediaKeysInstalled: false,
    });
    if (rosterChanged) events.emit("roster", rosterView);
  }

  function onRefused(epoch: bigint): void {
    stats.commitsRefused++;
    const mine = inFlight;
    if (mine === undefined || session === undefined) return;
    inFlight = undefined;
    // The transition is dropped unadopted; its `consumed` are the current session's: keep them.
    // Refused without having lost a race (a bad commit?): do not retry at once.
    if (!mine.lost && epoch <= session.epoch) retryAfter = now() + failoverMs;
  }

  // ---- application messages ---------------------------------------------------------------

  async function seal(payload: Uint8Array): Promise<boolean> {
    if (status !== "member" || session === undefined || !session.active) return false;
    const sealed = await sealApplicationMessage(session, payload);
    session = sealed.session;
    eraseConsumed(sealed.consumed);
    send({ type: "mls-message", message: toBase64url(sealed.message) });
    return true;
  }

  async function onApplication(from: string, epoch: bigint, bytes: Uint8Array): Promise<void> {
    if (status === "joining" || (session !== undefined && epoch > session.epoch)) {
      queue.push({ kind: "application", epoch, from, bytes, expires: now() + futureQueueMs });
      return;
    }
    if (status !== "member" || session === undefined) {
      stats.applicationRejected++;
      return;
    }
    let opened: Awaited<ReturnType<typeof processIncoming>>;
    try {
      opened = await processIncoming(session, bytes);
    } catch (error) {
      stats.applicationRejected++;
      report("APPLICATION_REJECTED", reasonOf(error));
      return;
    }
    if (opened.event.kind !== "application") {
      stats.applicationRejected++;
      report("APPLICATION_REJECTED", "a handshake message relayed as application data");
      return;
    }
    session = opened.session;
    eraseConsumed(opened.consumed);
    const { sender, data } = opened.event;
    const decoded = decodeAppMessage(data);
    if (!decoded.ok) {
      stats.applicationRejected++;
      report("APPLICATION_REJECTED", `from leaf ${sender}: ${decoded.reason}`);
      return;
    }
    if (decoded.format === "opaque") {
      events.emit("application", { sender, epoch: opened.event.epoch, data: decoded.data });
      return;
    }
    onTyped(sender, decoded.message);
  }

  /** Seals a typed message in its turn on the queue, made then (it may name our own leaf). */
  function sendTyped(make: () => TypedAppMessage | undefined): Promise<boolean> {
    let sent = false;
    return enqueue(async () => {
      const message = make();
      if (message !== undefined) sent = await seal(encodeTyped(message));
    }).then(() => sent);
  }

  /** `sender` is the leaf whose key signed the message (MLS authenticated it), never a claim. */
  function onTyped(sender: number, message: TypedAppMessage): void {
    const entry = session === undefined ? undefined : rosterEntry(session.roster, sender);
    if (entry === undefined) return;
    switch (message.t) {
      case "chat":
        events.emit("chat", { sender, displayName: names.get(sender) ?? "", text: message.text });
        return;
      case "hello":
        onHello(sender, message.displayName);
        return;
      case "hand-raise":
        events.emit("hand-raise", { sender, at: message.at });
        return;
      case "hand-lower":
        if (!mayLowerHand(sender, message.leaf)) {
          stats.applicationRejected++;
          report(
            "APPLICATION_REJECTED",
            `leaf ${sender} may not lower the hand of ${message.leaf}`,
          );
          return;
        }
        events.emit("hand-lower", { sender, leaf: message.leaf });
        return;
      case "reaction":
        events.emit("reaction", { sender, emoji: message.emoji });
        return;
      case "recording-start":
      case "recording-stop":
        events.emit("recording", { sender, active: message.t === "recording-start" });
        return;
      case "goodbye":
        // The member's own word that it leaves: its leaf goes in the next commit.
        participants.goodbye(entry, now());
        return;
      case "ask-unmute":
      case "mute":
      case "mute-all":
      case "end-meeting":
        onHostCommand(sender, fingerprintFromBytes(entry.fingerprint), message);
        return;
    }
  }

  function onHostCommand(sender: number, from: Fingerprint, message: HostRequestMessage): void {
    const me = ownRole();
    if (session === undefined || me === undefined) return;
    const verdict = judgeHostCommand(session.roles, from, me.fingerprint, message);
    if (verdict.kind === "refused") {
      logRefusal(refusal("not-authorized", from, verdict.detail));
      return;
    }
    if (verdict.kind === "act") events.emit("host-command", { sender, command: verdict.command });
  }

  /** Seals a host command if our role may send it now; `make` says undefined if it is moot. */
  function sendHostCommand(
    t: HostRequestMessage["t"],
    make: () => HostRequestMessage | undefined,
  ): Promise<boolean> {
    return sendTyped(() => {
      const me = ownRole();
      return me !== undefined && mayCommand(me.role, t) ? make() : undefined;
    });
  }

  /** A message to the member with `text`'s fingerprint, if someone else here has it. */
  function toMember(text: string, t: "ask-unmute" | "mute"): Promise<boolean> {
    const to = fingerprintArgument(text);
    return sendHostCommand(t, () => {
      const here = session?.roster.some(
        (e) => e.leafIndex !== session?.ownLeafIndex && fingerprintFromBytes(e.fingerprint) === to,
      );
      return here === true ? { t, to } : undefined;
    });
  }

  /**
   * Whose hand a member may lower: only its own. When roles live in the group context (DESIGN
   * §3), a host may lower anyone's; this is the one rule that changes then.
   */
  function mayLowerHand(sender: number, leaf: number): boolean {
    return leaf === sender;
  }

  function onHello(sender: number, said: string): void {
    // A member names itself in a PrivateMessage signed by its own leaf key: neither the server nor
    // another member can put a name in its mouth. The latest name it said is the one shown.
    const displayName = normaliseDisplayName(said);
    try {
      checkDisplayName(displayName);
    } catch {
      stats.namesRefused++;
      report("NAME_MISMATCH", `leaf ${sender} said a name that is not allowed`);
      return;
    }
    if (names.get(sender) === displayName) return;
    names.set(sender, displayName);
    rebuildRoster();
    events.emit("roster", rosterView);
  }

  // ---- the queue of messages for later epochs ---------------------------------------------

  async function drainQueue(): Promise<void> {
    for (;;) {
      if (status !== "member" || session === undefined || awaitingRollback !== undefined) return;
      const current = session.epoch;
      queue = queue.filter((q) => q.kind === "application" || q.epoch >= current);
      const index = queue.findIndex((q) => q.epoch <= current);
      if (index < 0) return;
      const [item] = queue.splice(index, 1);
      if (item === undefined) return;
      if (item.kind === "handshake") await applyCommit(item.bytes);
      else await onApplication(item.from, item.epoch, item.bytes);
    }
  }

  async function expireQueue(): Promise<void> {
    const t = now();
    const expired = queue.filter((q) => q.expires <= t);
    if (expired.length === 0) return;
    queue = queue.filter((q) => q.expires > t);
    stats.queueExpired += expired.length;
    report("STALE_QUEUE", `${expired.length} message(s) for a later epoch never became readable`);
    if (status === "member" && expired.some((q) => q.kind === "handshake")) {
      await rejoin("missed a commit");
    }
  }

  // ---- commit duty ------------------------------------------------------------------------

  async function tick(): Promise<void> {
    const t = now();
    if (status === "joining" && t >= keyPackageSentAt + keyPackageRefreshMs) {
      await sendKeyPackage();
    }
    if (awaitingRollback !== undefined && t >= awaitingRollback.deadline) {
      await rejoin(`no rollback after the failed commit of epoch ${awaitingRollback.epoch}`);
    }
    await expireQueue();
    if (inFlight?.alarmAt !== undefined && t >= inFlight.alarmAt) {
      // The server sequences every commit at once: silence means it withholds ours (a Remove,
      // say). It can; it cannot hide that it does (docs/e2ee.md "Alarms").
      inFlight.alarmAt = undefined;
      inFlight.giveUpAt ??= t + failoverMs;
      stats.commitsWithheld++;
      events.emit("alarm", { kind: "withheld-commit", epoch: inFlight.epoch });
    }
    if (inFlight?.giveUpAt !== undefined && t >= inFlight.giveUpAt) {
      inFlight = undefined;
      retryAfter = t + failoverMs;
    }
  }

  /** A fresh joiner's first update waits for the fresh leaves before it (failover per rank). */
  function joinerTurn(current: MlsSession, own: number): number | undefined {
    const rank = freshLeaves(current).indexOf(own);
    return rank < 0 ? undefined : epochSince + rank * failoverMs;
  }

  /** docs/e2ee.md "Who commits": decides whether we commit now, or when to look again. */
  async function decide(): Promise<void> {
    if (status !== "member" || session === undefined || !session.active) return;
    if (inFlight !== undefined || awaitingRollback !== undefined) return;
    const t = now();
    const own = session.ownLeafIndex;
    const removals = participants.dueRemovals(session.roster, own, t, reconnectWindowMs);
    if (removals.nextAt !== undefined) wake(removals.nextAt);
    const uploads = gate.sort(session.roles, pendingKeyPackages);
    for (const [from, upload] of uploads.denied) {
      pendingKeyPackages.delete(from);
      stats.keyPackagesRejected++;
      logRefusal(refusal("deny-listed", upload.fingerprint, "a deny-listed device asked to join"));
    }
    const candidates = uploads.work.map(([from, p]) => ({ from, ...p }));
    const successor = successorOf(session.roles, session.roster);
    hostlessSince = successor === undefined ? undefined : (hostlessSince ?? t);
    const hostWork = hostRequests.next(session, waitingRefs());
    for (const why of hostWork.dropped) report("LOCAL_FAILURE", `request dropped: ${why}`);
    const plan = planCommit({
      now: t,
      ownLeaf: own,
      roster: session.roster,
      rank: Math.max(0, participants.connectedLeaves(session.roster, own).indexOf(own)),
      failoverMs,
      retryAfter,
      dueRemovals: removals.leaves,
      removalsSince: removals.since,
      candidates,
      rekeySince,
      nextSelfUpdate,
      joinerTurnAt: joinerTurn(session, own),
      treeHasUnmergedLeaves: hasUnmergedLeaves(session),
      promotionSince: hostlessSince,
      ownWork: hostWork.work.kind !== "none",
    });
    const current = session;
    switch (plan.act) {
      case "wait":
        wake(plan.until);
        return;
      case "remove":
        await guardedCommit(async () => sendCommit(await buildRemove(current, plan.leaves)));
        return;
      case "add":
        await guardedCommit(() => commitAdd(candidates));
        return;
      case "update":
        await guardedCommit(async () => sendCommit(await buildUpdate(current)));
        return;
      case "promote":
        // The last host left: the deterministic successor becomes host (host-succession.ts).
        if (successor === undefined) return;
        await guardedCommit(async () =>
          sendCommit(await buildRoles(current, promote(current.roles, successor))),
        );
        return;
      case "own":
        await guardedCommit(() => commitOwn(hostWork.work));
        return;
    }
  }

  /** A change we asked for ourselves: new roles and settings, or a lobby admission. */
  async function commitOwn(work: HostWork): Promise<void> {
    if (session === undefined) return;
    if (work.kind === "roles") await sendCommit(await buildRoles(session, work.roles));
    if (work.kind === "remove") await sendCommit(await buildRemove(session, work.leaves));
    if (work.kind !== "admit") return;
    // Exactly the uploads the host saw: a changed one was dropped from the request (host-requests).
    const admitted = [...work.uploads].flatMap(([from, ref]) => {
      const upload = pendingKeyPackages.get(from);
      return upload === undefined || upload.ref !== ref ? [] : [{ from, ...upload }];
    });
    await commitAdd(admitted);
  }

  /** A commit we cannot make is reported and retried after a failover delay, not in a loop. */
  async function guardedCommit(run: () => Promise<void>): Promise<void> {
    try {
      await run();
    } catch (error) {
      report("LOCAL_FAILURE", `could not make a commit: ${reasonOf(error)}`);
      retryAfter = now() + failoverMs;
      wake(retryAfter);
    }
  }

  /** One Add of every acceptable KeyPackage; the rejected ones are dropped and reported. */
  async function commitAdd(candidates: readonly Candidate[]) {
    if (session === undefined) return;
    const built = await buildAdd(session, candidates, now(), gate.keys);
    for (const { from, reason, error } of built.kind === "none" || built.kind === "add"
      ? built.rejected
      : []) {
      pendingKeyPackages.delete(from);
      stats.keyPackagesRejected++;
      security(error);
      report("KEY_PACKAGE_REJECTED", `KeyPackage from ${from}: ${reason}`);
    }
    if (built.kind !== "none") await sendCommit(built);
    else if (rekeySince !== undefined) await sendCommit(await buildUpdate(session));
  }

  async function sendCommit(built: Exclude<BuiltCommit, { kind: "none" }>): Promise<void> {
    if (session === undefined) return;
    inFlight = {
      epoch: session.epoch,
      built,
      lost: false,
      giveUpAt: undefined,
      alarmAt: now() + withheldCommitMs,
    };
    stats.commitsSent++;
    const welcome = built.kind === "add" ? toBase64url(built.transition.welcome) : null;
    send({
      type: "mls-commit",
      epoch: Number(session.epoch),
      commit: toBase64url(built.transition.commit),
      welcome,
    });
  }

  // ---- roles and settings: our own requests ------------------------------------------------

  /** Our role now, if we are a member. */
  function ownRole() {
    const entry =
      session === undefined ? undefined : rosterEntry(session.roster, session.ownLeafIndex);
    if (session === undefined || entry === undefined || status !== "member") return undefined;
    return {
      fingerprint: fingerprintFromBytes(entry.fingerprint),
      role: roleOf(session.roles, fingerprintFromBytes(entry.fingerprint)),
    };
  }

  /** Queues a roles change made for our role (and fingerprint) now; false if not allowed. */
  function requestChange(make: (me: Fingerprint) => RolesChange): Promise<boolean> {
    let queued = false;
    return enqueue(async () => {
      const me = ownRole();
      if (me === undefined) return;
      const change = make(me.fingerprint);
      if (!mayChange(me.role, change)) return;
      hostRequests.change(change);
      queued = true;
    }).then(() => queued);
  }

  function fingerprintArgument(text: string): Fingerprint {
    const fingerprint = parseFingerprint(text);
    if (fingerprint === undefined) throw new E2eeUsageError("not a fingerprint (32 bytes of hex)");
    return fingerprint;
  }

  // ---- server messages --------------------------------------------------------------------

  async function onKeyPackage(
    from: string,
    text: string,
    proofText: string | undefined,
    sealedName: string | undefined,
  ) {
    const bytes = bytesOf(text, "KeyPackage");
    if (bytes === undefined) return;
    let keyPackage: ReturnType<typeof decodeKeyPackage>;
    try {
      keyPackage = decodeKeyPackage(bytes);
    } catch (error) {
      stats.keyPackagesRejected++;
      report("KEY_PACKAGE_REJECTED", `KeyPackage from ${from}: ${reasonOf(error)}`);
      return;
    }
    const { leafNode } = keyPackage;
    const fingerprint = await fingerprintOfKeyPackage(keyPackage);
    // A KeyPackage already added in this group is a replay (the server's, say), never a joiner:
    // taken as an upload, commit duty would even replace the leaf its device holds (commit-duty).
    if (session !== undefined && (await seenAdded(keyPackage))) {
      stats.keyPackagesRejected++;
      logRefusal(refusal("key-package-replayed", fingerprint, "an upload already added once"));
      return;
    }
    // A proof that does not verify is logged; the upload then waits like a knock, for a host.
    const judged = await gate.judge(keyPackage, proofText);
    const claimedName = await gate.claimedName(keyPackage, sealedName);
    if (judged.kind === "forged") {
      logRefusal(refusal("proof-invalid", fingerprint, "an upload whose admission proof is wrong"));
    }
    const ref = toHex(await keyPackageRef(keyPackage));
    pendingKeyPackages.set(from, {
      bytes,
      ref,
      since: pendingKeyPackages.get(from)?.since ?? now(),
      hpkeKey: toHex(leafNode.hpkePublicKey),
      signatureKey: toHex(leafNode.signaturePublicKey),
      fingerprint,
      proof: judged.proof,
      proven: judged.kind === "proven",
      claimedName,
    });
    events.emit("upload", {
      participantId: from,
      fingerprint: formatFingerprint(fingerprintBytes(fingerprint)),
      claimedName,
      keyPackageRef: ref,
    });
  }

  async function seenAdded(keyPackage: ReturnType<typeof decodeKeyPackage>): Promise<boolean> {
    const ref = toHex(await keyPackageRef(keyPackage, await loadMlsCiphersuite()));
    return session?.seenKeyPackageRefs.has(ref) === true;
  }

  async function onServerError(code: string, message: string): Promise<void> {
    report("SERVER_ERROR", `${code}: ${message}`);
    if (code === "GROUP_EXISTS" && founded && status === "member") {
      await startJoining();
      return;
    }
    // Errors are not tied to a request: the commit in flight may or may not be the one refused.
    // The server answers in order, so an echo still to come is due at once; wait a little.
    if ((code === "NOT_A_MEMBER" || code === "BAD_MLS") && inFlight !== undefined) {
      inFlight.giveUpAt = now() + failoverMs;
    }
    if (code === "NOT_A_MEMBER" && status === "member" && !founded) {
      await rejoin("the server says we are not a member");
    }
    if (code === "BAD_MLS" && status === "joining") {
      // The server will not take a KeyPackage from this connection (it still holds our old
      // leaf): only a new connection can join again.
      events.emit("reconnect", { reason: message });
    }
  }

  async function handle(message: ServerMessage): Promise<void> {
    switch (message.type) {
      case "welcome":
        selfId = message.selfId;
        participants.reset(message.participants);
        if (message.resumed && status !== "idle") {
          // Our place was held: what we missed follows in order, so our MLS state carries on.
          // A commit of ours in flight gets its echo or refusal from that backlog, or is given up.
          if (inFlight !== undefined) inFlight.giveUpAt = now() + failoverMs;
          return;
        }
        if (message.group === null) await found();
        else await startJoining();
        return;
      case "lobby":
        // A knock: we wait for a host's Add (docs/protocol.md "Lobby").
        selfId = message.selfId;
        if (status === "idle") await startJoining();
        return;
      case "admitted":
        participants.reset(message.participants);
        return;
      case "knock-ended":
        pendingKeyPackages.delete(message.from);
        return;
      case "participant-joined":
      case "participant-updated":
        participants.upsert(message.participant.id, message.participant.leaf);
        if (message.participant.leaf !== null) pendingKeyPackages.delete(message.participant.id);
        if (message.participant.id === selfId && message.participant.leaf === null) {
          // The server no longer follows a leaf for us (the commit that added us was rolled
          // back, and it told only the members it restored): join again.
          if (status === "member" && !founded) await rejoin("the server dropped our leaf");
        }
        return;
      case "participant-left":
        participants.left(message.id, message.reason, now(), session?.roster);
        pendingKeyPackages.delete(message.id);
        return;
      case "error":
        await onServerError(message.code, message.message);
        return;
      case "mls-key-package":
        await onKeyPackage(message.from, message.keyPackage, message.proof, message.name);
        return;
      case "mls-commit": {
        const bytes = bytesOf(message.commit, "commit");
        if (bytes === undefined) return;
        const framing = peekEpoch(bytes);
        // An accepted commit we cannot even decode still moved the group: report it as failed.
        if (framing.kind !== "handshake" || framing.epoch !== BigInt(message.epoch)) {
          if (status === "member" && session?.epoch === BigInt(message.epoch)) {
            await commitFailed("a commit whose framing does not decode", bytes);
          } else bad("a commit whose framing does not decode");
          return;
        }
        await onCommit(message.from, framing.epoch, bytes);
        return;
      }
      case "mls-welcome": {
        const bytes = bytesOf(message.welcome, "Welcome");
        if (bytes !== undefined) await onWelcome(bytes);
        return;
      }
      case "mls-commit-refused":
        onRefused(BigInt(message.epoch));
        return;
      case "mls-message": {
        const bytes = bytesOf(message.message, "application message");
        if (bytes === undefined) return;
        const framing = peekEpoch(bytes);
        if (framing.kind !== "application") {
          stats.applicationRejected++;
          report("APPLICATION_REJECTED", "not a PrivateMessage");
          return;
        }
        await onApplication(message.from, framing.epoch, bytes);
        return;
      }
      case "mls-rollback": {
        const commit = bytesOf(message.commit, "withdrawn commit");
        const reports = message.reports.map((r) => ({
          leaf: r.leaf,
          signature: bytesOf(r.signature, "failure report"),
        }));
        if (commit === undefined || reports.some((r) => r.signature === undefined)) return;
        await onRollback({
          epoch: BigInt(message.epoch),
          commit,
          reports: reports.map((r) => ({
            leaf: r.leaf,
            signature: r.signature ?? new Uint8Array(),
          })),
        });
        return;
      }
      default:
        return; // media signalling: not ours
    }
  }

  return {
    get status() {
      return status;
    },
    get joined() {
      return status === "member";
    },
    get epoch() {
      return session?.epoch;
    },
    get ownLeaf() {
      return session?.ownLeafIndex;
    },
    get roster() {
      return rosterView;
    },
    get securityCode() {
      return session?.securityCode.digits;
    },
    get mediaKeyRing() {
      return ring;
    },
    stats,
    receive(message) {
      void enqueue(() => handle(message));
    },
    sendApplication(data) {
      let sent = false;
      return enqueue(async () => {
        sent = await seal(encodeOpaque(data));
      }).then(() => sent);
    },
    sendChat(text) {
      if (text.length === 0 || text.length > MAX_CHAT_TEXT) {
        throw new E2eeUsageError(`chat text must be 1-${MAX_CHAT_TEXT} characters`);
      }
      return sendTyped(() => ({ t: "chat", text }));
    },
    raiseHand(at) {
      if (!isTimestamp(at)) throw new E2eeUsageError("a hand is raised at a whole number of ms");
      return sendTyped(() => ({ t: "hand-raise", at }));
    },
    lowerHand(leaf) {
      return sendTyped(() => {
        const target = leaf ?? session?.ownLeafIndex;
        return target === undefined ? undefined : { t: "hand-lower", leaf: target };
      });
    },
    sendReaction(emoji) {
      if (!isReaction(emoji)) throw new E2eeUsageError("not one of the allowed reactions");
      return sendTyped(() => ({ t: "reaction", emoji }));
    },
    announceRecording(active) {
      return sendTyped(() => ({ t: active ? "recording-start" : "recording-stop" }));
    },
    askToUnmute(text) {
      return toMember(text, "ask-unmute");
    },
    muteMember(text) {
      return toMember(text, "mute");
    },
    muteEveryone() {
      return sendHostCommand("mute-all", () => ({ t: "mute-all" }));
    },
    endMeeting() {
      return sendHostCommand("end-meeting", () => ({ t: "end-meeting" }));
    },
    resync(why) {
      void enqueue(async () => {
        if (status === "member") await rejoin(why);
      });
    },
    requestSelfUpdate() {
      void enqueue(async () => {
        nextSelfUpdate = now();
      });
    },
    leave() {
      return sendTyped(() => ({ t: "goodbye" }));
    },
    get roles() {
      return session?.roles;
    },
    setLocked(locked) {
      return requestChange(() => ({ kind: "set-locked", locked }));
    },
    setLobby({ lobbyMandatory, knockingEnabled }) {
      return requestChange(() => ({ kind: "set-lobby", lobbyMandatory, knockingEnabled }));
    },
    makeCoHost(text, on) {
      const fingerprint = fingerprintArgument(text);
      return requestChange(() => ({ kind: "co-host", fingerprint, on }));
    },
    transferHost(text) {
      const to = fingerprintArgument(text);
      return requestChange((from) => ({ kind: "transfer-host", from, to }));
    },
    deny(text) {
      const fingerprint = fingerprintArgument(text);
      return requestChange(() => ({ kind: "deny", fingerprint }));
    },
    block(text) {
      const fingerprint = fingerprintArgument(text);
      return requestChange(() => ({
        kind: "block",
        fingerprint,
        generation: (session?.roles.inviteGeneration ?? 0) + 1,
      }));
    },
    remove(leaf) {
      let queued = false;
      return enqueue(async () => {
        const me = ownRole();
        const entry = session === undefined ? undefined : rosterEntry(session.roster, leaf);
        if (me === undefined || me.role === "member" || entry === undefined) return;
        if (leaf === session?.ownLeafIndex) return;
        hostRequests.remove(leaf, fingerprintFromBytes(entry.fingerprint));
        queued = true;
      }).then(() => queued);
    },
    admit(participantId, ref) {
      let queued = false;
      return enqueue(async () => {
        const me = ownRole();
        const upload = pendingKeyPackages.get(participantId);
        if (me === undefined || me.role === "member" || upload?.ref !== ref) return;
        hostRequests.admit(participantId, ref);
        queued = true;
      }).then(() => queued);
    },
    async exportSecret(label, context, length) {
      const current = session;
      if (current === undefined || status !== "member") return undefined;
      return mlsExportSecret(current, label, context, length);
    },
    on: (name, listener) => events.on(name, listener),
    async idle() {
      for (;;) {
        const seen = chain;
        await seen;
        if (seen === chain) return;
      }
    },
    close() {
      closed = true;
      shutDown();
    },
  };
}
