// Receiving: one entry point for every MLSMessage that arrives from the Delivery Service. Commits
// and proposals must be PublicMessages, application data must be a PrivateMessage (DESIGN §3.4).
// A handshake message is first verified by ts-mls on a copy of the state (nothing is mutated),
// then shown to Conclave's rules and the session's policy with its authenticated data; only if
// both accept is the new state returned. Any failure throws a typed MlsSessionError and the caller
// keeps its session: a garbage or refused commit changes nothing.
import {
  decodeMlsMessage,
  emptyPskIndex,
  type IncomingMessageCallback,
  type MLSMessage,
  type PrivateMessage,
  type PublicMessage,
  processPublicMessage,
  type RatchetTree,
} from "ts-mls";
import { unprotectPrivateMessage } from "ts-mls/messageProtection.js";
import { MlsSessionError } from "../errors.ts";
import { constantTimeEqual } from "../sframe/bytes.ts";
import { enforcePolicy, type PolicyInput } from "./policy.ts";
import { rosterEntry } from "./roster.ts";
import {
  addedRefs,
  type MlsSession,
  policyContext,
  sessionFromState,
  type Transition,
} from "./session.ts";

export type IncomingEvent =
  | {
      readonly kind: "application";
      /** leaf index of the sender, authenticated by its signature (RFC 9420 §6.1) */
      readonly sender: number;
      readonly epoch: bigint;
      readonly data: Uint8Array;
    }
  | {
      readonly kind: "commit";
      readonly committer: number | undefined;
      /** the epoch the commit started */
      readonly epoch: bigint;
      readonly rosterChanged: boolean;
      /** the commit's authenticated data (e.g. admission proofs), as the policy saw it */
      readonly authenticatedData: Uint8Array;
      /** the commit removed us: the session is now inactive */
      readonly removedUs: boolean;
    }
  | { readonly kind: "proposal"; readonly sender: number | undefined };

export interface IncomingTransition extends Transition {
  readonly event: IncomingEvent;
}

function invalid(why: string): MlsSessionError {
  return new MlsSessionError("MLS_MESSAGE_INVALID", why);
}

function decodeMessage(bytes: Uint8Array): MLSMessage {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(bytes, 0);
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || decoded[1] !== bytes.length) throw invalid("not an MLSMessage");
  return decoded[0];
}

async function verified<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof MlsSessionError) throw error;
    throw invalid(error instanceof Error ? error.message : String(error));
  }
}

/** Processes one incoming MLSMessage (bytes as the Delivery Service relayed them). */
export async function processIncoming(
  session: MlsSession,
  bytes: Uint8Array,
): Promise<IncomingTransition> {
  if (!session.active) throw new MlsSessionError("MLS_NOT_A_MEMBER", "removed from the group");
  const message = decodeMessage(bytes);
  if (message.wireformat === "mls_public_message") {
    return processHandshake(session, message.publicMessage);
  }
  if (message.wireformat === "mls_private_message") {
    return processApplication(session, message.privateMessage);
  }
  throw invalid(`a ${message.wireformat} is not processed by a member`);
}

async function processHandshake(
  session: MlsSession,
  message: PublicMessage,
): Promise<IncomingTransition> {
  const { content } = message;
  if (!constantTimeEqual(content.groupId, session.groupId))
    throw invalid("message for another group");
  if (content.epoch !== session.epoch) {
    throw new MlsSessionError(
      "MLS_WRONG_EPOCH",
      `message for epoch ${content.epoch}, session is at ${session.epoch}`,
    );
  }
  let seen: Parameters<IncomingMessageCallback>[0] | undefined;
  const capture: IncomingMessageCallback = (incoming) => {
    seen = incoming;
    return "accept";
  };
  const result = await verified(() =>
    processPublicMessage(session.state, message, emptyPskIndex, session.suite, capture),
  );
  if (seen === undefined) throw invalid("no commit or proposal in the message");
  const authenticatedData = content.authenticatedData;
  await enforcePolicy(
    session.policy,
    policyInputOf(seen, authenticatedData),
    policyContext(session),
  );
  const proposals = seen.kind === "commit" ? seen.proposals.map((p) => p.proposal) : [];
  const added = await addedRefs(proposals, session.suite);
  const next = await sessionFromState(
    result.newState,
    session.suite,
    session.policy,
    session,
    added,
  );
  if (seen.kind === "proposal") {
    return {
      session: next,
      consumed: result.consumed,
      event: { kind: "proposal", sender: seen.proposal.senderLeafIndex },
    };
  }
  return {
    session: next,
    consumed: result.consumed,
    event: {
      kind: "commit",
      committer: seen.senderLeafIndex,
      epoch: session.epoch,
      rosterChanged: next.securityCode !== session.securityCode,
      authenticatedData,
      removedUs: !next.active,
    },
  };
}

/** What the policy is asked about a commit or proposal that arrived (mls/policy.ts). */
function policyInputOf(
  seen: Parameters<IncomingMessageCallback>[0],
  authenticatedData: Uint8Array,
): PolicyInput {
  if (seen.kind !== "commit") {
    return { kind: "proposal", origin: "remote", proposal: seen.proposal, authenticatedData };
  }
  return {
    kind: "commit",
    origin: "remote",
    committer: seen.senderLeafIndex,
    proposals: seen.proposals,
    authenticatedData,
  };
}

/**
 * A late message from an earlier epoch is accepted only if its sender is still in the group with
 * the same key: someone removed since must not be able to speak through an old epoch's keys.
 */
function requireStillMember(session: MlsSession, oldTree: RatchetTree, leafIndex: number): void {
  const then = oldTree[leafIndex * 2];
  const now = rosterEntry(session.roster, leafIndex);
  if (
    then?.nodeType !== "leaf" ||
    now === undefined ||
    !constantTimeEqual(then.leaf.signaturePublicKey, now.signaturePublicKey)
  ) {
    throw new MlsSessionError(
      "MLS_POLICY_REFUSED",
      "late message from a member no longer in the group",
    );
  }
}

/**
 * Opens a PrivateMessage of this epoch or, for late frames, of a retained earlier one (RFC 9420
 * §6.3.2; ts-mls keeps earlier epochs' receiver data per its key retention config). This mirrors
 * ts-mls processPrivateMessage for application data, which does not report the sender.
 */
async function processApplication(
  session: MlsSession,
  message: PrivateMessage,
): Promise<IncomingTransition> {
  const { state, suite } = session;
  if (!constantTimeEqual(message.groupId, session.groupId))
    throw invalid("message for another group");
  if (message.epoch > session.epoch) {
    throw new MlsSessionError("MLS_WRONG_EPOCH", `message for future epoch ${message.epoch}`);
  }
  const current = message.epoch === session.epoch;
  const receiver = current
    ? {
        senderDataSecret: state.keySchedule.senderDataSecret,
        secretTree: state.secretTree,
        ratchetTree: state.ratchetTree,
        groupContext: state.groupContext,
      }
    : state.historicalReceiverData.get(message.epoch);
  if (receiver === undefined) {
    throw new MlsSessionError("MLS_WRONG_EPOCH", `epoch ${message.epoch} is no longer kept`);
  }
  const opened = await verified(() =>
    unprotectPrivateMessage(
      receiver.senderDataSecret,
      message,
      receiver.secretTree,
      receiver.ratchetTree,
      receiver.groupContext,
      state.clientConfig.keyRetentionConfig,
      suite,
    ),
  );
  const { content } = opened.content;
  if (content.contentType !== "application") {
    throw new MlsSessionError("MLS_POLICY_REFUSED", "handshake messages must be PublicMessages");
  }
  if (content.sender.senderType !== "member") throw invalid("application data from a non-member");
  if (!current) requireStillMember(session, receiver.ratchetTree, content.sender.leafIndex);
  let newState = { ...state, secretTree: opened.tree };
  if (!current) {
    const history = new Map(state.historicalReceiverData);
    const old = state.historicalReceiverData.get(message.epoch);
    if (old !== undefined) history.set(message.epoch, { ...old, secretTree: opened.tree });
    newState = { ...state, historicalReceiverData: history };
  }
  return {
    session: { ...session, state: newState },
    consumed: opened.consumed,
    event: {
      kind: "application",
      sender: content.sender.leafIndex,
      epoch: message.epoch,
      data: content.applicationData,
    },
  };
}
