// The incoming-change policy: one function the session consults before it adopts a received
// commit or proposal, before it creates a commit of its own, and before it accepts a Welcome. The
// admission rules (DESIGN §3.3: "every Add carries a valid proof in the commit's authenticated
// data, unless a host committed it") plug in here. It runs after ts-mls has verified the message
// (signature, membership tag, confirmation tag), so what it reads is authentic; if it refuses, the
// new state is dropped and the caller keeps the old one.
//
// Conclave's own rules run first, whatever the policy: no ReInit, external init, PSK or
// GroupContextExtensions proposals (the pin cannot change; roles and settings will get their own
// rules), and every added KeyPackage must pass the lifetime-span and credential checks.
import type { Proposal, ProposalWithSender } from "ts-mls";
import { MlsSessionError } from "../errors.ts";
import { identityOfCredential } from "./credential.ts";
import { checkLeafCapabilities, KEY_PACKAGE_MAX_LIFETIME_SECONDS } from "./key-package.ts";
import type { Roster } from "./roster.ts";

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
      /** we are about to join from a Welcome; `context.roster` is the group we would join */
      readonly kind: "join";
      readonly origin: "local";
    };

export interface PolicyContext {
  readonly groupId: Uint8Array;
  /** the epoch the change applies to (before it) */
  readonly epoch: bigint;
  /** the members before the change */
  readonly roster: Roster;
  /** our own leaf index */
  readonly ownLeafIndex: number;
}

export type PolicyVerdict =
  | { readonly accept: true }
  | { readonly accept: false; readonly reason: string };

export type MlsPolicy = (
  input: PolicyInput,
  context: PolicyContext,
) => PolicyVerdict | Promise<PolicyVerdict>;

/** Accepts whatever Conclave's own rules accept. */
export const acceptAllPolicy: MlsPolicy = () => ({ accept: true });

const ALLOWED: ReadonlySet<unknown> = new Set(["add", "remove", "update"]);

function checkProposal(proposal: Proposal): PolicyVerdict {
  if (!ALLOWED.has(proposal.proposalType)) {
    return {
      accept: false,
      reason: `proposal type ${String(proposal.proposalType)} is not allowed`,
    };
  }
  if (proposal.proposalType === "add") {
    const { leafNode } = proposal.add.keyPackage;
    if (leafNode.leafNodeSource !== "key_package") {
      return { accept: false, reason: "added leaf is not from a KeyPackage" };
    }
    const span = leafNode.lifetime.notAfter - leafNode.lifetime.notBefore;
    // The clock is checked by the committer (key-package.ts); a receiver may process the commit
    // late, so it checks only what time cannot change: the span and the credential.
    if (span > BigInt(KEY_PACKAGE_MAX_LIFETIME_SECONDS)) {
      return { accept: false, reason: "added KeyPackage lives longer than 10 minutes" };
    }
    try {
      identityOfCredential(leafNode.credential);
      checkLeafCapabilities(leafNode.capabilities.extensions);
    } catch (error) {
      return { accept: false, reason: error instanceof Error ? error.message : "bad KeyPackage" };
    }
  }
  return { accept: true };
}

/** Conclave's fixed rules (see the head of this file). */
export function builtInRules(input: PolicyInput): PolicyVerdict {
  if (input.kind === "join") return { accept: true };
  if (input.kind === "proposal") return checkProposal(input.proposal.proposal);
  if (input.committer === undefined)
    return { accept: false, reason: "external commits are refused" };
  for (const { proposal } of input.proposals) {
    const verdict = checkProposal(proposal);
    if (!verdict.accept) return verdict;
  }
  return { accept: true };
}

/** Runs the built-in rules, then `policy`; throws MLS_POLICY_REFUSED with the reason on refusal. */
export async function enforcePolicy(
  policy: MlsPolicy,
  input: PolicyInput,
  context: PolicyContext,
): Promise<void> {
  const builtIn = builtInRules(input);
  const verdict = builtIn.accept ? await policy(input, context) : builtIn;
  if (!verdict.accept) throw new MlsSessionError("MLS_POLICY_REFUSED", verdict.reason);
}

/** The KeyPackages an input adds, for policies that check admission proofs. */
export function addedKeyPackages(input: PolicyInput) {
  if (input.kind === "join") return [];
  const proposals = input.kind === "commit" ? input.proposals : [input.proposal];
  return proposals.flatMap(({ proposal }) =>
    proposal.proposalType === "add" ? [proposal.add.keyPackage] : [],
  );
}
