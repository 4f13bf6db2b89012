// The MLS session (RFC 9420) on ts-mls: create a meeting group, seal application data, export
// secrets; commits are made in commits.ts, a Welcome is opened in welcome.ts, and what arrives is
// processed in incoming.ts. Every call is a pure transition: it returns a new MlsSession and the
// secrets the old one held that the new one no longer needs (`consumed`), and leaves the session
// it was given untouched, so a caller whose commit the Delivery Service refuses simply keeps the
// old session. Once the caller has adopted the new session it erases what was consumed
// (eraseConsumed); from then on the old session must not be used.
//
// Handshake messages are PublicMessages (the Delivery Service follows epoch and roster, DESIGN
// §3.4); application data is PrivateMessage.
//
// Every group carries two GroupContext extensions from its founding: the pin (group-pin.ts) and
// the roles and settings (admission/meeting-roles.ts), the creator its one host. A session also
// remembers every KeyPackageRef it has seen added, so a replayed KeyPackage is refused (policy.ts).
import {
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  createApplicationMessage,
  createGroup,
  type Extension,
  encodeMlsMessage,
  mlsExporter,
  type Proposal,
  zeroOutUint8Array,
} from "ts-mls";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import { fingerprintFromBytes } from "../admission/fingerprint.ts";
import {
  findMeetingRoles,
  foundingRoles,
  type MeetingRoles,
  type MeetingSettings,
  meetingRolesExtension,
} from "../admission/meeting-roles.ts";
import { E2eeUsageError, MlsSessionError } from "../errors.ts";
import { toHex } from "../sframe/bytes.ts";
import { loadMlsCiphersuite, type MlsCiphersuiteName } from "./ciphersuite.ts";
import {
  type CredentialIdentity,
  type DeviceIdentity,
  fingerprintOf,
  identityOfCredential,
} from "./credential.ts";
import { type GroupPin, groupPinExtension, requireGroupPin } from "./group-pin.ts";
import { KEY_PACKAGE_MAX_LIFETIME_SECONDS, keyPackageRef, makeKeyPackage } from "./key-package.ts";
import { acceptAllPolicy, type MlsPolicy, type PolicyContext } from "./policy.ts";
import { type Roster, rosterOf, sameRoster } from "./roster.ts";
import { deriveSecurityCode, type SecurityCode } from "./security-code.ts";

export interface MlsSession {
  readonly state: ClientState;
  readonly suite: CiphersuiteImpl;
  readonly policy: MlsPolicy;
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly ownLeafIndex: number;
  readonly roster: Roster;
  /** From the epoch authenticator of the last epoch that changed the roster (security-code.ts). */
  readonly securityCode: SecurityCode;
  readonly pin: GroupPin;
  /** Hosts, co-hosts, settings, deny-list: from the GroupContext (admission/meeting-roles.ts). */
  readonly roles: MeetingRoles;
  /** Hex KeyPackageRefs this session has seen added (and its own): a replay is refused. */
  readonly seenKeyPackageRefs: ReadonlySet<string>;
  /** False once a commit removed us: nothing can be sent or read any more. */
  readonly active: boolean;
}

/** What a transition returns: the new session and the old session's secrets it no longer needs. */
export interface Transition {
  readonly session: MlsSession;
  readonly consumed: readonly Uint8Array[];
}

export interface CommitTransition extends Transition {
  /** The commit as an MLSMessage (a PublicMessage), for the Delivery Service. */
  readonly commit: Uint8Array;
}

export interface AddTransition extends CommitTransition {
  /** The Welcome (an MLSMessage) for the joiners; it carries the ratchet tree (RFC 9420 §12.4.3.3). */
  readonly welcome: Uint8Array;
  readonly added: readonly CredentialIdentity[];
}

export interface SessionOptions {
  readonly policy?: MlsPolicy;
  /** The founding settings (createMeeting only; default: admission/meeting-roles.ts). */
  readonly settings?: MeetingSettings;
  /** The group's MLS cipher suite, for its whole life (createMeeting only; mls/ciphersuite.ts). */
  readonly ciphersuite?: MlsCiphersuiteName;
  /** Milliseconds since 1970, for KeyPackage lifetimes (default Date.now()). */
  readonly now?: number;
}

export interface CommitOptions {
  /** Bytes every member can read and that the commit's signature covers: admission proofs. */
  readonly authenticatedData?: Uint8Array;
  /** Extensions of the GroupInfo in the Welcome (signed, read by the joiners): Welcome tags. */
  readonly groupInfoExtensions?: readonly Extension[];
  readonly now?: number;
}

/** ts-mls settings: credentials must parse as Conclave identities; KeyPackages live ≤ 10 min. */
export const CONCLAVE_CLIENT_CONFIG: ClientConfig = {
  ...defaultClientConfig,
  lifetimeConfig: {
    maximumTotalLifetime: BigInt(KEY_PACKAGE_MAX_LIFETIME_SECONDS),
    validateLifetimeOnReceive: false,
  },
  authService: {
    async validateCredential(credential) {
      try {
        identityOfCredential(credential);
        return true;
      } catch {
        return false;
      }
    },
  },
};

/** Zeroes what a transition consumed (ts-mls zeroOutUint8Array). Call after adopting its session. */
export function eraseConsumed(consumed: readonly Uint8Array[]): void {
  for (const secret of consumed) zeroOutUint8Array(secret);
}

/**
 * `history`, the late-message state (RFC 9420 §6.3.2) of a session made from an earlier copy of
 * `live`, with each epoch's receiving state as `live` has it now: messages opened since advanced
 * `live`'s secret trees and erased the ratchet secrets the copy still points at, so from the copy
 * the next late message of that epoch would not open.
 */
function liveReceiving(
  live: MlsSession,
  history: ClientState["historicalReceiverData"],
): ClientState["historicalReceiverData"] {
  const now = new Map(history);
  for (const [epoch, data] of history) {
    const kept =
      epoch === live.epoch
        ? { ...data, secretTree: live.state.secretTree }
        : live.state.historicalReceiverData.get(epoch);
    if (kept !== undefined) now.set(epoch, kept);
  }
  return now;
}

/** Our commit, built on an earlier copy of `live`, was accepted: the session it moves to. */
export function ownCommitAccepted<T extends Transition>(built: T, live: MlsSession): T {
  const next = built.session.state;
  const state = {
    ...next,
    historicalReceiverData: liveReceiving(live, next.historicalReceiverData),
  };
  return { ...built, session: { ...built.session, state } };
}

/**
 * Back to `kept`, the session before a commit that was rolled back, from `live`, the session that
 * commit made: with `kept`'s own epoch, too, as late messages of it left `live`'s copy.
 */
export function sessionRestored(kept: MlsSession, live: MlsSession): MlsSession {
  const historicalReceiverData = liveReceiving(live, kept.state.historicalReceiverData);
  const secretTree =
    live.state.historicalReceiverData.get(kept.epoch)?.secretTree ?? kept.state.secretTree;
  return { ...kept, state: { ...kept.state, secretTree, historicalReceiverData } };
}

/** Throws MLS_GROUP_ROLES_INVALID unless the extensions carry valid roles exactly once. */
export function requireMeetingRoles(extensions: readonly Extension[]): MeetingRoles {
  const roles = findMeetingRoles(extensions);
  if (roles === undefined) {
    throw new MlsSessionError("MLS_GROUP_ROLES_INVALID", "group has no valid roles and settings");
  }
  return roles;
}

/** The hex KeyPackageRefs of the Adds among `proposals`. */
export async function addedRefs(
  proposals: readonly Proposal[],
  suite: CiphersuiteImpl,
): Promise<string[]> {
  const refs: string[] = [];
  for (const p of proposals) {
    if (p.proposalType === "add") refs.push(toHex(await keyPackageRef(p.add.keyPackage, suite)));
  }
  return refs;
}

/**
 * Builds the session view of a ts-mls state; keeps the security code if the roster is the same,
 * and adds `added` (hex KeyPackageRefs) to what `previous` had seen.
 */
export async function sessionFromState(
  state: ClientState,
  suite: CiphersuiteImpl,
  policy: MlsPolicy,
  previous?: MlsSession,
  added: readonly string[] = [],
): Promise<MlsSession> {
  const roster = await rosterOf(state.ratchetTree);
  const keep = previous !== undefined && sameRoster(previous.roster, roster);
  const epoch = state.groupContext.epoch;
  return {
    state,
    suite,
    policy,
    groupId: state.groupContext.groupId,
    epoch,
    ownLeafIndex: state.privatePath.leafIndex,
    roster,
    securityCode: keep
      ? previous.securityCode
      : await deriveSecurityCode(state.keySchedule.epochAuthenticator, epoch),
    pin: requireGroupPin(state.groupContext.extensions),
    roles: requireMeetingRoles(state.groupContext.extensions),
    seenKeyPackageRefs:
      added.length === 0 && previous !== undefined
        ? previous.seenKeyPackageRefs
        : new Set([...(previous?.seenKeyPackageRefs ?? []), ...added]),
    active: state.groupActiveState.kind === "active",
  };
}

export function policyContext(session: MlsSession): PolicyContext {
  return {
    groupId: session.groupId,
    epoch: session.epoch,
    roster: session.roster,
    ownLeafIndex: session.ownLeafIndex,
    extensions: session.state.groupContext.extensions,
    roles: session.roles,
    seenKeyPackageRefs: session.seenKeyPackageRefs,
  };
}

export function requireActive(session: MlsSession): void {
  if (!session.active) throw new MlsSessionError("MLS_NOT_A_MEMBER", "removed from the group");
}

/** Runs a ts-mls call and turns its errors into a typed MlsSessionError. */
export async function guarded<T>(code: MlsSessionError["code"], run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof MlsSessionError || error instanceof E2eeUsageError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new MlsSessionError(code, message);
  }
}

/**
 * Creates a new meeting group with `device` as its only member (RFC 9420 §11): a random 16-byte
 * group id, and the Conclave pin and roles (the device its one host) in the GroupContext.
 */
export async function createMeeting(
  device: DeviceIdentity,
  options: SessionOptions = {},
): Promise<Transition> {
  const suite = await loadMlsCiphersuite(options.ciphersuite);
  const bundle = await makeKeyPackage(
    device,
    suite,
    options.now === undefined ? {} : { now: options.now },
  );
  const groupId = globalThis.crypto.getRandomValues(new Uint8Array(16));
  const state = await createGroup(
    groupId,
    bundle.publicPackage,
    bundle.privatePackage,
    [
      groupPinExtension(),
      meetingRolesExtension(
        foundingRoles(
          fingerprintFromBytes(await fingerprintOf(device.signaturePublicKey)),
          options.settings,
        ),
      ),
    ],
    suite,
    CONCLAVE_CLIENT_CONFIG,
  );
  const own = toHex(await keyPackageRef(bundle.publicPackage, suite));
  const session = await sessionFromState(
    state,
    suite,
    options.policy ?? acceptAllPolicy,
    undefined,
    [own],
  );
  return { session, consumed: [bundle.privatePackage.initPrivateKey] };
}

/** Encrypts application data as a PrivateMessage (RFC 9420 §6.3); returns the MLSMessage bytes. */
export async function sealApplicationMessage(
  session: MlsSession,
  data: Uint8Array,
): Promise<Transition & { readonly message: Uint8Array }> {
  requireActive(session);
  const result = await guarded("MLS_MESSAGE_INVALID", () =>
    createApplicationMessage(session.state, data, session.suite),
  );
  return {
    session: { ...session, state: result.newState },
    consumed: result.consumed,
    message: encodeMlsMessage({
      version: "mls10",
      wireformat: "mls_private_message",
      privateMessage: result.privateMessage,
    }),
  };
}

/** MLS-Exporter(label, context, length) of the current epoch (RFC 9420 §8.5). */
export function exportSecret(
  session: MlsSession,
  label: string,
  context: Uint8Array,
  length: number,
): Promise<Uint8Array> {
  requireActive(session);
  return mlsExporter(
    session.state.keySchedule.exporterSecret,
    label,
    context,
    length,
    session.suite,
  );
}
