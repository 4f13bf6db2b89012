// The admission policy (DESIGN §3.2-3.3): the rules that need the invite secret, on top of the
// session's built-in rules (mls/policy.ts), for one device in one meeting.
//
// Commits: an Add committed by a host or co-host (before the commit) is a lobby admission and needs
// no proof. Any other Add needs an entry for its KeyPackageRef in the commit's authenticated_data
// (ref-mac-list.ts) whose proof verifies with our admit key (admission-proof.ts). A member without
// the secret (admitted from the lobby) cannot verify a proof: it requires the entry to be there and
// relies on the members who hold the secret to refuse a forged one (docs/e2ee.md "Admission").
//
// Joining: with the secret, the GroupInfo must carry a valid Welcome tag for our own KeyPackageRef
// (welcome-tag.ts), which only a holder of the secret can make, so the server cannot seat us in a
// group of its own. With a knock link that pins a host, the group's hosts must include that
// fingerprint and the GroupInfo's signer (who committed our Add) must be that host.

import { keyPackageRef } from "../mls/key-package.ts";
import type { MlsPolicy, PolicyContext, PolicyInput, PolicyVerdict } from "../mls/policy.ts";
import { refuse } from "../mls/policy.ts";
import { rosterEntry } from "../mls/roster.ts";
import { verifyAdmissionProof } from "./admission-proof.ts";
import { type Fingerprint, fingerprintFromBytes, fingerprintOfKeyPackage } from "./fingerprint.ts";
import type { InviteKeys } from "./invite-keys.ts";
import { roleOf } from "./meeting-roles.ts";
import { decodeRefMacList, macFor } from "./ref-mac-list.ts";
import { verifyWelcomeTag } from "./welcome-tag.ts";

/** How this device came to the meeting. */
export type Admission =
  /** with the full link: it holds the invite secret's keys */
  | { readonly kind: "invite"; readonly keys: InviteKeys }
  /** with a knock link: no secret; `pinnedHost` if the link names the host */
  | { readonly kind: "knock"; readonly pinnedHost: Fingerprint | undefined };

const ACCEPT: PolicyVerdict = { accept: true };

async function checkProofs(
  admission: Admission,
  input: Extract<PolicyInput, { kind: "commit" }>,
  context: PolicyContext,
): Promise<PolicyVerdict> {
  const adds = input.proposals.flatMap(({ proposal }) =>
    proposal.proposalType === "add" ? [proposal.add.keyPackage] : [],
  );
  if (adds.length === 0) return ACCEPT;
  const committer =
    input.committer === undefined ? undefined : rosterEntry(context.roster, input.committer);
  if (committer === undefined) return { accept: false, reason: "committer is not a member" };
  if (roleOf(context.roles, fingerprintFromBytes(committer.fingerprint)) !== "member") {
    return ACCEPT; // a host's or co-host's Add is a lobby admission
  }
  const list = decodeRefMacList(input.authenticatedData);
  for (const keyPackage of adds) {
    const added = await fingerprintOfKeyPackage(keyPackage);
    const ref = await keyPackageRef(keyPackage);
    const proof = list.ok ? macFor(list.entries, ref) : undefined;
    if (proof === undefined) {
      return refuse("proof-missing", added, "an Add by a non-host without an admission proof");
    }
    if (admission.kind === "invite" && !(await verifyAdmissionProof(admission.keys, ref, proof))) {
      return refuse("proof-invalid", added, "an Add whose admission proof does not verify");
    }
  }
  return ACCEPT;
}

async function checkJoin(
  admission: Admission,
  input: Extract<PolicyInput, { kind: "join" }>,
  context: PolicyContext,
): Promise<PolicyVerdict> {
  const signer = rosterEntry(context.roster, input.signer);
  const signerFingerprint = signer && fingerprintFromBytes(signer.fingerprint);
  if (admission.kind === "invite") {
    const tagged = await verifyWelcomeTag(
      admission.keys,
      input.groupInfoExtensions,
      context.groupId,
      context.epoch,
      input.keyPackageRef,
    );
    return tagged
      ? ACCEPT
      : refuse("welcome-tag-invalid", signerFingerprint, "a Welcome with no valid tag for us");
  }
  const pinned = admission.pinnedHost;
  if (pinned === undefined) return ACCEPT;
  if (signerFingerprint !== pinned || !context.roles.hosts.includes(pinned)) {
    return refuse("host-not-pinned", signerFingerprint, "a Welcome not from the pinned host");
  }
  return ACCEPT;
}

/**
 * The admission policy for a device that came with `current()`: the invite keys change when the
 * secret is replaced (admission/invite-keys.ts), so the policy asks for them at each check.
 */
export function admissionPolicy(current: () => Admission): MlsPolicy {
  return (input, context) => {
    if (input.kind === "commit") return checkProofs(current(), input, context);
    if (input.kind === "join") return checkJoin(current(), input, context);
    return ACCEPT; // standalone Adds are refused by the built-in rules
  };
}
