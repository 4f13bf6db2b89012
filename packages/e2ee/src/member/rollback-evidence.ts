// Evidence for a rollback (docs/e2ee.md "Recovery from a commit members cannot apply"). A member
// that cannot apply commit C of epoch N signs a failure report with its epoch-N leaf key; the
// Delivery Service relays the reports it counted with C in `mls-rollback`, and every member checks
// them against its own epoch-N tree before it undoes anything. The server cannot sign a report, so
// it cannot make members undo a commit a majority applied.
//
//   struct {
//     opaque group_id<V>;
//     uint64 epoch;            // N, the epoch C was made in
//     uint32 reporter;         // the reporter's leaf index in epoch N
//     opaque commit_ref<V>;    // SHA-256 of C's MLSMessage bytes as relayed
//   } CommitFailedTBS;
//
//   signature = SignWithLabel(reporter's leaf signature key, "Conclave CommitFailed v1",
//                             CommitFailedTBS)                              (RFC 9420 §5.1.2)
//
// SignWithLabel prefixes "MLS 1.0 ", so no MLS structure (all signed under RFC labels) can be
// passed off as a report or a report as one. The commit reference is a plain SHA-256 whatever the
// MLS suite, so the Delivery Service can check each report is about the commit it ordered.
import { decodeMlsMessage } from "ts-mls";
import { uint32Encoder, uint64Encoder } from "ts-mls/codec/number.js";
import { composeBufferEncoders, encode } from "ts-mls/codec/tlsEncoder.js";
import { varLenDataEncoder } from "ts-mls/codec/variableLength.js";
import { signWithLabel, verifyWithLabel } from "ts-mls/crypto/signature.js";
import { rosterEntry } from "../mls/roster.ts";
import type { MlsSession } from "../mls/session.ts";
import { constantTimeEqual } from "../sframe/bytes.ts";
import { subtle } from "../sframe/webcrypto.ts";

export const COMMIT_FAILED_LABEL = "Conclave CommitFailed v1";

/** One member's signed word that it could not apply the commit `commitRef` of `epoch`. */
export interface FailureReport {
  readonly epoch: bigint;
  readonly leaf: number;
  readonly commitRef: Uint8Array;
  readonly signature: Uint8Array;
}

/** What `mls-rollback` carries: the withdrawn commit and the reports the server counted. */
export interface RollbackClaim {
  readonly epoch: bigint;
  readonly commit: Uint8Array;
  readonly reports: readonly { readonly leaf: number; readonly signature: Uint8Array }[];
}

/** The withdrawn commit as every member reads it from its public framing. */
export interface WithdrawnCommit {
  readonly ref: Uint8Array;
  readonly committer: number;
  readonly removed: readonly number[];
}

export type RollbackVerdict =
  | {
      readonly ok: true;
      readonly commit: WithdrawnCommit;
      /** members of epoch N that could report (not the committer, not a leaf C removes) */
      readonly eligible: number;
      readonly reporters: number;
    }
  | { readonly ok: false; readonly reason: string };

const tbsEncoder = composeBufferEncoders([
  varLenDataEncoder,
  uint64Encoder,
  uint32Encoder,
  varLenDataEncoder,
]);

function commitFailedTbs(
  groupId: Uint8Array,
  epoch: bigint,
  leaf: number,
  commitRef: Uint8Array,
): Uint8Array {
  return encode(tbsEncoder)([groupId, epoch, leaf, commitRef]);
}

/** SHA-256 of a commit's MLSMessage bytes: the reference reports and the server agree on. */
export async function commitReference(commit: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle().digest("SHA-256", new Uint8Array(commit)));
}

/** Signs our report that we could not apply `commit`; `session` is our state in its epoch. */
export async function signFailureReport(
  session: MlsSession,
  commit: Uint8Array,
): Promise<FailureReport> {
  const commitRef = await commitReference(commit);
  const leaf = session.ownLeafIndex;
  const tbs = commitFailedTbs(session.groupId, session.epoch, leaf, commitRef);
  const signature = await signWithLabel(
    session.state.signaturePrivateKey,
    COMMIT_FAILED_LABEL,
    tbs,
    session.suite.signature,
  );
  return { epoch: session.epoch, leaf, commitRef, signature };
}

/** Committer and removed leaves of a PublicMessage commit of `session`'s group and epoch. */
export function readCommitFraming(
  session: MlsSession,
  commit: Uint8Array,
): { committer: number; removed: number[] } | string {
  let decoded: ReturnType<typeof decodeMlsMessage>;
  try {
    decoded = decodeMlsMessage(commit, 0);
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || decoded[1] !== commit.length) return "not an MLSMessage";
  const message = decoded[0];
  if (message.wireformat !== "mls_public_message") return "not a PublicMessage";
  const { content } = message.publicMessage;
  if (!constantTimeEqual(content.groupId, session.groupId)) return "a commit of another group";
  if (content.epoch !== session.epoch) return `a commit of epoch ${content.epoch}`;
  if (content.contentType !== "commit" || content.sender.senderType !== "member") {
    return "not a member's commit";
  }
  const removed: number[] = [];
  for (const item of content.commit.proposals) {
    // Members and the Delivery Service refuse proposals by reference (mls/policy.ts).
    if (item.proposalOrRefType !== "proposal") return "a proposal by reference";
    if (item.proposal.proposalType === "remove") removed.push(item.proposal.remove.removed);
  }
  return { committer: content.sender.leafIndex, removed };
}

/**
 * Checks a rollback against `session`, our state in the epoch the withdrawn commit was made in:
 * the commit is of our group and that epoch; if we applied a commit in that epoch (`applied`, its
 * reference) it is that one; the reports are from distinct members of the epoch other than the
 * committer and the leaves it removes, each signature verifies with that leaf's key in our tree,
 * and they are more than half of those members. Anything else is a forged rollback.
 */
export async function verifyRollback(
  session: MlsSession,
  claim: RollbackClaim,
  applied: Uint8Array | undefined,
): Promise<RollbackVerdict> {
  if (claim.epoch !== session.epoch) {
    return { ok: false, reason: `a rollback of epoch ${claim.epoch}, checked in ${session.epoch}` };
  }
  const framing = readCommitFraming(session, claim.commit);
  if (typeof framing === "string") return { ok: false, reason: framing };
  const ref = await commitReference(claim.commit);
  if (applied !== undefined && !constantTimeEqual(applied, ref)) {
    return { ok: false, reason: "the rollback names another commit than the one we applied" };
  }
  const eligible = new Set(
    session.roster
      .map((entry) => entry.leafIndex)
      .filter((leaf) => leaf !== framing.committer && !framing.removed.includes(leaf)),
  );
  const counted = new Set<number>();
  for (const { leaf, signature } of claim.reports) {
    if (counted.has(leaf)) return { ok: false, reason: `two reports from leaf ${leaf}` };
    const entry = rosterEntry(session.roster, leaf);
    if (entry === undefined || !eligible.has(leaf)) {
      return { ok: false, reason: `leaf ${leaf} may not report on this commit` };
    }
    const tbs = commitFailedTbs(session.groupId, session.epoch, leaf, ref);
    const valid = await verifyWithLabel(
      entry.signaturePublicKey,
      COMMIT_FAILED_LABEL,
      tbs,
      signature,
      session.suite.signature,
    ).catch(() => false);
    if (!valid) return { ok: false, reason: `the report of leaf ${leaf} is not signed by it` };
    counted.add(leaf);
  }
  if (counted.size * 2 <= eligible.size) {
    return {
      ok: false,
      reason: `${counted.size} of ${eligible.size} members reported failure: no majority`,
    };
  }
  return {
    ok: true,
    commit: { ref, committer: framing.committer, removed: framing.removed },
    eligible: eligible.size,
    reporters: counted.size,
  };
}
