// Commits we make (RFC 9420 §12.4) as pure transitions on a session: Adds, Removes, our own
// update and roles changes, each asked of the policy first and made as a PublicMessage (the
// Delivery Service follows epoch and roster, DESIGN §3.4). Nothing is adopted here: the caller
// adopts the returned session once the Delivery Service accepts the commit (session.ts).
import { createCommit, encodeMlsMessage, type Proposal } from "ts-mls";
import { type MeetingRoles, meetingRolesExtension } from "../admission/meeting-roles.ts";
import { E2eeUsageError, MlsSessionError } from "../errors.ts";
import { groupPinExtension } from "./group-pin.ts";
import { decodeKeyPackage, validateKeyPackage } from "./key-package.ts";
import { enforcePolicy } from "./policy.ts";
import {
  type AddTransition,
  addedRefs,
  type CommitOptions,
  type CommitTransition,
  guarded,
  type MlsSession,
  policyContext,
  requireActive,
  sessionFromState,
} from "./session.ts";

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
