// The incoming-change policy: one function the session consults before it adopts a received
// commit or proposal, before it creates a commit of its own, and before it accepts a Welcome. It
// runs after ts-mls has verified the message (signature, membership tag, confirmation tag), so what
// it reads is authentic; if it refuses, the new state is dropped and the caller keeps the old one.
//
// Conclave's own rules run first, whatever the policy (they need no secret, so every member can
// enforce them):
//   - only Add, Remove, Update and GroupContextExtensions proposals; an Add or a roles change only
//     by value from the committer itself (whose role is what authorises it);
//   - every added KeyPackage passes the lifetime-span and credential checks, has not been added
//     before in this group session (replay), is not deny-listed, and is refused while the meeting
//     is locked, or (lobby mandatory) unless a host or co-host commits it;
//   - group context extensions are exactly the unchanged pin and valid roles, changed only as
//     admission/roles-change.ts allows the committer (DESIGN §3 "Roles").
// The admission proofs and Welcome tags, which need the admit key, are the admission policy's
// (admission/admission-policy.ts), passed as `policy`.
import type { Extension, KeyPackage, Proposal, ProposalWithSender } from "ts-mls";
import {
  type Fingerprint,
  fingerprintFromBytes,
  fingerprintOfKeyPackage,
} from "../admission/fingerprint.ts";
import {
  findMeetingRoles,
  type MeetingRoles,
  type Role,
  roleOf,
} from "../admission/meeting-roles.ts";
import { type Refusal, refusal } from "../admission/refusal.ts";
import { rolesChangeProblem } from "../admission/roles-change.ts";
import { MlsSessionError } from "../errors.ts";
import { toHex } from "../sframe/bytes.ts";
import { identityOfCredential } from "./credential.ts";
import { findGroupPin, GROUP_PIN_EXTENSION_TYPE } from "./group-pin.ts";
import {
  checkLeafCapabilities,
  KEY_PACKAGE_MAX_LIFETIME_SECONDS,
  type KeyPackageRef,
  keyPackageRef,
} from "./key-package.ts";
import { type Roster, rosterEntry } from "./roster.ts";

/**
 * A policy refused a change (MLS_POLICY_REFUSED). When an admission or roles rule refused it,
 * `refusal` says which and names the device concerned, for the security log; it holds no secret.
 */
export class MlsPolicyRefusedError extends MlsSessionError {
  readonly refusal: Refusal | undefined;

  constructor(message: string, refusal: Refusal | undefined) {
    super("MLS_POLICY_REFUSED", message);
    this.name = "MlsPolicyRefusedError";
    this.refusal = refusal;
  }
}

export type PolicyInput =
  | {
      readonly kind: "commit";
      /** "local": we are about to create it; "remote": it arrived */
      readonly origin: "local" | "remote";
      /** leaf index of the committer (undefined only for external commits, which are refused) */
      readonly committer: number | undefined;
      /** every proposal the commit applies, references resolved (RFC 9420 §12.4) */
      readonly proposals: readonly ProposalWithSender[];
      /** FramedContent.authenticated_data (RFC 9420 §6): where admission proofs ride */
      readonly authenticatedData: Uint8Array;
    }
  | {
      readonly kind: "proposal";
      readonly origin: "remote";
      readonly proposal: ProposalWithSender;
      readonly authenticatedData: Uint8Array;
    }
  | {
      /** we are about to join from a Welcome; the context is the group we would join */
      readonly kind: "join";
      readonly origin: "local";
      /** the GroupInfo's extensions (RFC 9420 §12.4.3): where Welcome tags ride */
      readonly groupInfoExtensions: readonly Extension[];
      /** leaf index of the GroupInfo's signer: the member who committed our Add */
      readonly signer: number;
      /** the KeyPackageRef the Welcome was made for: ours */
      readonly keyPackageRef: KeyPackageRef;
    };

export interface PolicyContext {
  readonly groupId: Uint8Array;
  /** the epoch the change applies to (before it); for a join, the epoch joined */
  readonly epoch: bigint;
  /** the members before the change */
  readonly roster: Roster;
  /** our own leaf index */
  readonly ownLeafIndex: number;
  /** the GroupContext extensions before the change */
  readonly extensions: readonly Extension[];
  /** roles and settings before the change (admission/meeting-roles.ts) */
  readonly roles: MeetingRoles;
  /** hex KeyPackageRefs this group session has seen added (replay refusal) */
  readonly seenKeyPackageRefs: ReadonlySet<string>;
}

export type PolicyVerdict =
  | { readonly accept: true }
  | { readonly accept: false; readonly reason: string; readonly refusal?: Refusal };

export type MlsPolicy = (
  input: PolicyInput,
  context: PolicyContext,
) => PolicyVerdict | Promise<PolicyVerdict>;

/** Accepts whatever Conclave's own rules accept. */
export const acceptAllPolicy: MlsPolicy = () => ({ accept: true });

/** Asks each policy in turn; the first refusal stands. */
export function allOf(...policies: readonly (MlsPolicy | undefined)[]): MlsPolicy {
  return async (input, context) => {
    for (const policy of policies) {
      const verdict = policy === undefined ? undefined : await policy(input, context);
      if (verdict !== undefined && !verdict.accept) return verdict;
    }
    return { accept: true };
  };
}

const ACCEPT: PolicyVerdict = { accept: true };

/** A refusal the engine reports in its security log. */
export function refuse(
  reason: Refusal["reason"],
  fingerprint: Fingerprint | undefined,
  detail: string,
): PolicyVerdict {
  return { accept: false, reason: detail, refusal: refusal(reason, fingerprint, detail) };
}

const ALLOWED: ReadonlySet<unknown> = new Set([
  "add",
  "remove",
  "update",
  "group_context_extensions",
]);

/** What time cannot change about an added KeyPackage (the committer checks the clock too). */
function checkAddedKeyPackage(keyPackage: KeyPackage): PolicyVerdict {
  const { leafNode } = keyPackage;
  if (leafNode.leafNodeSource !== "key_package") {
    return { accept: false, reason: "added leaf is not from a KeyPackage" };
  }
  const span = leafNode.lifetime.notAfter - leafNode.lifetime.notBefore;
  // A receiver may process the commit late, so it checks the span and the credential only.
  if (span > BigInt(KEY_PACKAGE_MAX_LIFETIME_SECONDS)) {
    return { accept: false, reason: "added KeyPackage lives longer than 10 minutes" };
  }
  try {
    identityOfCredential(leafNode.credential);
    checkLeafCapabilities(leafNode.capabilities.extensions);
  } catch (error) {
    return { accept: false, reason: error instanceof Error ? error.message : "bad KeyPackage" };
  }
  return ACCEPT;
}

/** The roles a GroupContextExtensions proposal sets, if it keeps the pin and nothing else. */
function rolesOfExtensions(proposal: Proposal): MeetingRoles | undefined {
  if (proposal.proposalType !== "group_context_extensions") return undefined;
  const { extensions } = proposal.groupContextExtensions;
  const known = extensions.every(
    (e) => e.extensionType === GROUP_PIN_EXTENSION_TYPE || findMeetingRoles([e]) !== undefined,
  );
  if (extensions.length !== 2 || !known || findGroupPin(extensions) === undefined) return undefined;
  return findMeetingRoles(extensions);
}

async function checkAdd(
  keyPackage: KeyPackage,
  committerRole: Role,
  after: MeetingRoles,
  context: PolicyContext,
): Promise<PolicyVerdict> {
  const basic = checkAddedKeyPackage(keyPackage);
  if (!basic.accept) return basic;
  const { roles } = context;
  const added = await fingerprintOfKeyPackage(keyPackage);
  if (roles.denyList.includes(added) || after.denyList.includes(added)) {
    return refuse("deny-listed", added, "an Add of a deny-listed device");
  }
  if (roles.settings.locked) return refuse("locked", added, "an Add while the meeting is locked");
  if (roles.settings.lobbyMandatory && committerRole === "member") {
    return refuse("lobby-mandatory", added, "an Add by a non-host while the lobby is mandatory");
  }
  const ref = toHex(await keyPackageRef(keyPackage));
  if (context.seenKeyPackageRefs.has(ref)) {
    return refuse("key-package-replayed", added, "an Add of a KeyPackage already added once");
  }
  return ACCEPT;
}

async function checkCommit(
  input: Extract<PolicyInput, { kind: "commit" }>,
  context: PolicyContext,
): Promise<PolicyVerdict> {
  const { committer } = input;
  if (committer === undefined) return { accept: false, reason: "external commits are refused" };
  const entry = rosterEntry(context.roster, committer);
  if (entry === undefined) return { accept: false, reason: "committer is not a member" };
  const committerFingerprint = fingerprintFromBytes(entry.fingerprint);
  const committerRole = roleOf(context.roles, committerFingerprint);
  let after = context.roles;
  for (const { proposal, senderLeafIndex } of input.proposals) {
    if (!ALLOWED.has(proposal.proposalType)) {
      return { accept: false, reason: `proposal type ${String(proposal.proposalType)} refused` };
    }
    const byCommitter = senderLeafIndex === committer;
    if (proposal.proposalType === "add" && !byCommitter) {
      return refuse("not-by-committer", committerFingerprint, "an Add proposed by another member");
    }
    if (proposal.proposalType !== "group_context_extensions") continue;
    if (!byCommitter) {
      return refuse("not-by-committer", committerFingerprint, "a roles change by another member");
    }
    const roles = rolesOfExtensions(proposal);
    if (roles === undefined) {
      return refuse("roles-invalid", committerFingerprint, "extensions other than pin and roles");
    }
    const problem = rolesChangeProblem(context.roles, roles, committerFingerprint, context.roster);
    if (problem !== undefined) return refuse("not-authorized", committerFingerprint, problem);
    after = roles;
  }
  for (const { proposal } of input.proposals) {
    if (proposal.proposalType !== "add") continue;
    const verdict = await checkAdd(proposal.add.keyPackage, committerRole, after, context);
    if (!verdict.accept) return verdict;
  }
  return ACCEPT;
}

/** Conclave's fixed rules (see the head of this file). */
export async function builtInRules(
  input: PolicyInput,
  context: PolicyContext,
): Promise<PolicyVerdict> {
  if (input.kind === "join") return ACCEPT;
  if (input.kind === "commit") return checkCommit(input, context);
  const { proposal } = input.proposal;
  // Adds and roles changes are authorised by their committer's role: by value in its commit only.
  if (proposal.proposalType === "remove" || proposal.proposalType === "update") return ACCEPT;
  return { accept: false, reason: `a standalone ${String(proposal.proposalType)} proposal` };
}

/**
 * Runs the built-in rules, then `policy`; throws MLS_POLICY_REFUSED (an MlsPolicyRefusedError
 * carrying the typed refusal, if any) on refusal.
 */
export async function enforcePolicy(
  policy: MlsPolicy,
  input: PolicyInput,
  context: PolicyContext,
): Promise<void> {
  const builtIn = await builtInRules(input, context);
  const verdict = builtIn.accept ? await policy(input, context) : builtIn;
  if (!verdict.accept) throw new MlsPolicyRefusedError(verdict.reason, verdict.refusal);
}

/** The KeyPackages an input adds, for policies that check admission proofs. */
export function addedKeyPackages(input: PolicyInput): KeyPackage[] {
  if (input.kind === "join") return [];
  const proposals = input.kind === "commit" ? input.proposals : [input.proposal];
  return proposals.flatMap(({ proposal }) =>
    proposal.proposalType === "add" ? [proposal.add.keyPackage] : [],
  );
}
