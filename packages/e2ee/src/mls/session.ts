// The MLS session (RFC 9420) on ts-mls: create a meeting group, add and remove members, update our
// own leaf, join from a Welcome, seal application data. Every call is a pure transition: it returns
// a new MlsSession and the secrets the old one held that the new one no longer needs (`consumed`),
// and leaves the session it was given untouched, so a caller whose commit the Delivery Service
// refuses simply keeps the old session. Once the caller has adopted the new session it erases what
// was consumed (eraseConsumed); from then on the old session must not be used.
//
// Handshake messages are PublicMessages (the Delivery Service follows epoch and roster, DESIGN
// §3.4); application data is PrivateMessage. Receiving is in incoming.ts.
//
// Every group carries two GroupContext extensions from its founding: the pin (group-pin.ts) and
// the roles and settings (admission/meeting-roles.ts), the creator its one host. A session also
// remembers every KeyPackageRef it has seen added, so a replayed KeyPackage is refused (policy.ts).
import {
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  type Extension,
  emptyPskIndex,
  encodeMlsMessage,
  type GroupInfo,
  joinGroupWithExtensions,
  mlsExporter,
  type Proposal,
  type Welcome,
  zeroOutUint8Array,
} from "ts-mls";
import { defaultClientConfig } from "ts-mls/clientConfig.js";
import { decryptGroupInfo, decryptGroupSecrets } from "ts-mls/welcome.js";
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
import { loadMlsCiphersuite, type MlsCiphersuiteName, suiteOfKeyPackage } from "./ciphersuite.ts";
import {
  type CredentialIdentity,
  type DeviceIdentity,
  fingerprintOf,
  identityOfCredential,
} from "./credential.ts";
import { type GroupPin, groupPinExtension, requireGroupPin } from "./group-pin.ts";
import {
  decodeKeyPackage,
  KEY_PACKAGE_MAX_LIFETIME_SECONDS,
  type KeyPackageBundle,
  keyPackageRef,
  makeKeyPackage,
  validateKeyPackage,
} from "./key-package.ts";
import { acceptAllPolicy, enforcePolicy, type MlsPolicy, type PolicyContext } from "./policy.ts";
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

function requireActive(session: MlsSession): void {
  if (!session.active) throw new MlsSessionError("MLS_NOT_A_MEMBER", "removed from the group");
}

/** Runs a ts-mls call and turns its errors into a typed MlsSessionError. */
async function guarded<T>(code: MlsSessionError["code"], run: () => Promise<T>): Promise<T> {
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

/** Asks the policy about a commit we are about to make, then makes it as a PublicMessage. */
async function commitWith(
  session: MlsSession,
  proposals: Proposal[],
  options: CommitOptions,
  errorCode: MlsSessionError["code"],
) {
  requireActive(session);
  const authenticatedData = options.authenticatedData ?? new Uint8Array();
  const pending = Object.values(session.state.unappliedProposals);
  const own = proposals.map((proposal) => ({ proposal, senderLeafIndex: session.ownLeafIndex }));
  await enforcePolicy(
    session.policy,
    {
      kind: "commit",
      origin: "local",
      committer: session.ownLeafIndex,
      proposals: [...pending, ...own],
      authenticatedData,
    },
    policyContext(session),
  );
  const result = await guarded(errorCode, () =>
    createCommit(
      { state: session.state, cipherSuite: session.suite },
      {
        wireAsPublicMessage: true,
        extraProposals: proposals,
        ratchetTreeExtension: true,
        authenticatedData,
        groupInfoExtensions: [...(options.groupInfoExtensions ?? [])],
      },
    ),
  );
  const added = await addedRefs([...pending.map((p) => p.proposal), ...proposals], session.suite);
  const next = await sessionFromState(
    result.newState,
    session.suite,
    session.policy,
    session,
    added,
  );
  return { result, session: next, commit: encodeMlsMessage(result.commit) };
}

/**
 * Adds the holders of `keyPackages` (MLSMessage bytes) in one commit. Each KeyPackage is checked
 * first (key-package.ts: lifetime against our clock, credential); one bad one refuses the batch.
 */
export async function addMembers(
  session: MlsSession,
  keyPackages: readonly Uint8Array[],
  options: CommitOptions = {},
): Promise<AddTransition> {
  if (keyPackages.length === 0)
    throw new E2eeUsageError("addMembers needs at least one KeyPackage");
  const decoded = keyPackages.map(decodeKeyPackage);
  const added = decoded.map((kp) =>
    validateKeyPackage(kp, {
      suite: session.suite.name,
      ...(options.now === undefined ? {} : { now: options.now }),
    }),
  );
  const proposals: Proposal[] = decoded.map((keyPackage) => ({
    proposalType: "add",
    add: { keyPackage },
  }));
  const done = await commitWith(session, proposals, options, "MLS_KEY_PACKAGE_INVALID");
  const welcome = done.result.welcome;
  if (welcome === undefined) throw new MlsSessionError("MLS_MESSAGE_INVALID", "no Welcome made");
  return {
    session: done.session,
    consumed: done.result.consumed,
    commit: done.commit,
    welcome: encodeMlsMessage({ version: "mls10", wireformat: "mls_welcome", welcome }),
    added,
  };
}

/** Removes the members at `leafIndexes` in one commit (RFC 9420 §12.1.3); never ourselves. */
export async function removeMembers(
  session: MlsSession,
  leafIndexes: readonly number[],
  options: CommitOptions = {},
): Promise<CommitTransition> {
  if (leafIndexes.length === 0) throw new E2eeUsageError("removeMembers needs a leaf index");
  for (const leaf of leafIndexes) {
    if (leaf === session.ownLeafIndex) throw new E2eeUsageError("a member cannot remove itself");
    if (!session.roster.some((entry) => entry.leafIndex === leaf)) {
      throw new E2eeUsageError(`no member at leaf ${leaf}`);
    }
  }
  const proposals: Proposal[] = [...new Set(leafIndexes)].map((removed) => ({
    proposalType: "remove",
    remove: { removed },
  }));
  const done = await commitWith(session, proposals, options, "MLS_MESSAGE_INVALID");
  return { session: done.session, consumed: done.result.consumed, commit: done.commit };
}

/**
 * An empty commit with a fresh UpdatePath (RFC 9420 §12.4): new keys for our leaf and path, for
 * post-compromise security. The roster is unchanged, so the security code stays.
 */
export async function selfUpdate(
  session: MlsSession,
  options: CommitOptions = {},
): Promise<CommitTransition> {
  const done = await commitWith(session, [], options, "MLS_MESSAGE_INVALID");
  return { session: done.session, consumed: done.result.consumed, commit: done.commit };
}

/**
 * A GroupContextExtensions commit (RFC 9420 §12.1.7) setting new roles, keeping the pin, and
 * removing `remove` (leaf indexes) in the same commit (a denial takes the device out at once).
 * Every member checks it against admission/roles-change.ts. ts-mls 1.6.4 makes no UpdatePath for a
 * commit of only this proposal, though RFC 9420 §17.4 marks GroupContextExtensions "path
 * required": such a commit starts a new epoch but brings no fresh key material from the committer.
 */
export async function commitRoles(
  session: MlsSession,
  roles: MeetingRoles,
  options: CommitOptions = {},
): Promise<CommitTransition> {
  // Alone, never with a Remove: a Remove needs an UpdatePath, and ts-mls 1.6.4 encrypts the path
  // under the GroupContext *before* the new extensions while receivers decrypt under the one
  // after (as RFC 9420 §12.4.2 says), so every receiver would fail such a commit. The engine
  // removes in a commit of its own (member/host-requests.ts).
  const proposals: Proposal[] = [
    {
      proposalType: "group_context_extensions",
      groupContextExtensions: {
        extensions: [groupPinExtension(session.pin), meetingRolesExtension(roles)],
      },
    },
  ];
  const done = await commitWith(session, proposals, options, "MLS_MESSAGE_INVALID");
  return { session: done.session, consumed: done.result.consumed, commit: done.commit };
}

function decodeWelcome(bytes: Uint8Array): Welcome {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (
    decoded === undefined ||
    decoded[1] !== bytes.length ||
    decoded[0].wireformat !== "mls_welcome"
  ) {
    throw new MlsSessionError("MLS_MESSAGE_INVALID", "not an MLS Welcome");
  }
  return decoded[0].welcome;
}

/**
 * The GroupInfo inside a Welcome for `bundle`, decrypted only to learn its signer: ts-mls 1.6.4's
 * joinGroupWithExtensions verifies the GroupInfo and returns its extensions, but not who signed it
 * (the committer of our Add, whom a knock-link joiner checks). joinGroupWithExtensions then
 * decrypts and verifies the same bytes; the secrets decrypted here are zeroed at once.
 */
async function groupInfoOf(
  parsed: Welcome,
  bundle: KeyPackageBundle,
  suite: CiphersuiteImpl,
): Promise<GroupInfo> {
  const ref = await keyPackageRef(bundle.publicPackage, suite);
  const initKey = await suite.hpke.importPrivateKey(bundle.privatePackage.initPrivateKey);
  const secrets = await decryptGroupSecrets(initKey, ref, parsed, suite.hpke);
  if (secrets === undefined) throw new MlsSessionError("MLS_MESSAGE_INVALID", "no group secrets");
  try {
    if (secrets.psks.length > 0) {
      throw new MlsSessionError("MLS_MESSAGE_INVALID", "a Welcome that needs a PSK");
    }
    const info = await decryptGroupInfo(
      parsed,
      secrets.joinerSecret,
      new Uint8Array(suite.kdf.size),
      suite,
    );
    if (info === undefined) throw new MlsSessionError("MLS_MESSAGE_INVALID", "no GroupInfo");
    return info;
  } finally {
    zeroOutUint8Array(secrets.joinerSecret);
    if (secrets.pathSecret !== undefined) zeroOutUint8Array(secrets.pathSecret);
  }
}

/**
 * Joins from a Welcome made for `bundle` (RFC 9420 §12.4.3.1). Refuses a group without Conclave's
 * pin (MLS_GROUP_PIN_INVALID) or roles (MLS_GROUP_ROLES_INVALID), and asks the policy (kind
 * "join", with the GroupInfo's extensions and signer: the Welcome tag and pinned-host checks)
 * before returning. The bundle's init key is consumed; its leaf key now lives in the session.
 */
export async function joinFromWelcome(
  bundle: KeyPackageBundle,
  welcome: Uint8Array,
  options: SessionOptions = {},
): Promise<Transition> {
  // The Welcome must be for our KeyPackage's suite (ts-mls checks the GroupContext's against it).
  const suite = await suiteOfKeyPackage(bundle.publicPackage);
  const parsed = decodeWelcome(welcome);
  const info = await guarded("MLS_MESSAGE_INVALID", () => groupInfoOf(parsed, bundle, suite));
  const [state, groupInfoExtensions] = await guarded("MLS_MESSAGE_INVALID", () =>
    joinGroupWithExtensions(
      parsed,
      bundle.publicPackage,
      bundle.privatePackage,
      emptyPskIndex,
      suite,
      undefined,
      undefined,
      CONCLAVE_CLIENT_CONFIG,
    ),
  );
  requireGroupPin(state.groupContext.extensions);
  requireMeetingRoles(state.groupContext.extensions);
  const ref = await keyPackageRef(bundle.publicPackage, suite);
  const session = await sessionFromState(
    state,
    suite,
    options.policy ?? acceptAllPolicy,
    undefined,
    [toHex(ref)],
  );
  await enforcePolicy(
    session.policy,
    { kind: "join", origin: "local", groupInfoExtensions, signer: info.signer, keyPackageRef: ref },
    policyContext(session),
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
