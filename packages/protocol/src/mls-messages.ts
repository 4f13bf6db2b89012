import { z } from "zod";
import { PARTICIPANT_ID_PATTERN, type ParticipantId } from "./ids.ts";

/**
 * Messages between a participant's MLS client and the Delivery Service (docs/e2ee.md). Every MLS
 * payload is an RFC 9420 MLSMessage, base64url on the wire; the server reads only its public
 * framing (group id, epoch, sender, proposal list of a PublicMessage commit), never a key.
 */
const MAX_MLS_BYTES = 192 * 1024;
const mlsBytes = z
  .string()
  .min(4)
  .max(Math.ceil((MAX_MLS_BYTES * 4) / 3))
  .regex(/^[A-Za-z0-9_-]+$/, "must be base64url");
/**
 * A joiner's admission proof (packages/e2ee/src/admission/admission-proof.ts): an HMAC-SHA-256,
 * 32 bytes in base64url. Opaque to the server, which cannot check it (it never has the admit key)
 * and only relays it with the KeyPackage.
 */
const admissionProof = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
/**
 * A waiting joiner's name, sealed to the members who hold the invite secret
 * (packages/e2ee/src/admission/waiting-name.ts): 12-byte IV, AES-GCM of at most 128 bytes of
 * UTF-8, and its tag; opaque to the server.
 */
const sealedName = z.string().regex(/^[A-Za-z0-9_-]{39,208}$/);
/** SHA-256 of a commit's MLSMessage bytes, base64url: what a failure report is about. */
const commitRef = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
/**
 * A failure report's signature (packages/e2ee/src/member/rollback-evidence.ts): SignWithLabel by
 * the reporter's leaf key, 64 bytes for Ed25519; room for any MLS signature scheme.
 */
const reportSignature = z
  .string()
  .min(4)
  .max(8192)
  .regex(/^[A-Za-z0-9_-]+$/, "must be base64url");
/** 128-bit group id, base64url. */
const groupId = z.string().regex(/^[A-Za-z0-9_-]{22}$/);
/** An MLS epoch; safe integers are enough for any meeting (2^53 commits). */
export const epoch = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
/** Leaf indices the KID layout can carry (packages/e2ee/src/media-keys/kid.ts: 12 bits). */
export const MAX_LEAF_INDEX = 4095;
export const leafIndex = z.number().int().min(0).max(MAX_LEAF_INDEX);
const participantId = z
  .string()
  .regex(PARTICIPANT_ID_PATTERN)
  .transform((s) => s as ParticipantId);

// ---- client → server -------------------------------------------------------------------

/** The first participant of a room founds the group at epoch 0 and holds leaf 0. */
export const MlsFoundSchema = z.strictObject({ type: z.literal("mls-found"), groupId });

/**
 * A joiner's KeyPackage (MLSMessage, mls_key_package), relayed to the members, with its admission
 * proof and sealed name if the joiner holds the invite secret (none: a knock, for a host to admit).
 */
export const MlsKeyPackageSchema = z.strictObject({
  type: z.literal("mls-key-package"),
  keyPackage: mlsBytes,
  proof: admissionProof.optional(),
  name: sealedName.optional(),
});

/** A commit (MLSMessage, mls_public_message) made in `epoch`, and its Welcome if it adds. */
export const MlsCommitSchema = z.strictObject({
  type: z.literal("mls-commit"),
  epoch,
  commit: mlsBytes,
  welcome: mlsBytes.nullable(),
});

/** Application data (MLSMessage, mls_private_message) for every other member. */
export const MlsMessageSchema = z.strictObject({
  type: z.literal("mls-message"),
  message: mlsBytes,
});

/**
 * This member could not apply the commit made in `epoch` (recovery, docs/e2ee.md): its report,
 * signed with its leaf key in that epoch, about the commit whose SHA-256 is `commitRef`.
 */
export const MlsCommitFailedSchema = z.strictObject({
  type: z.literal("mls-commit-failed"),
  epoch,
  commitRef,
  leaf: leafIndex,
  signature: reportSignature,
});

export const MLS_CLIENT_SCHEMAS = [
  MlsFoundSchema,
  MlsKeyPackageSchema,
  MlsCommitSchema,
  MlsMessageSchema,
  MlsCommitFailedSchema,
] as const;

// ---- server → client -------------------------------------------------------------------

export const GroupStateSchema = z.strictObject({ groupId, epoch });

export const MlsKeyPackageRelaySchema = z.strictObject({
  type: z.literal("mls-key-package"),
  from: participantId,
  keyPackage: mlsBytes,
  proof: admissionProof.optional(),
  name: sealedName.optional(),
});

/** An accepted commit, sent to every member of `epoch`, its committer too (the echo). */
export const MlsCommitRelaySchema = z.strictObject({
  type: z.literal("mls-commit"),
  from: participantId,
  epoch,
  commit: mlsBytes,
});

/** A Welcome for a participant the accepted commit added. */
export const MlsWelcomeSchema = z.strictObject({
  type: z.literal("mls-welcome"),
  welcome: mlsBytes,
});

/** The sender's commit lost: another commit for its epoch came first, or the epoch moved on. */
export const MlsCommitRefusedSchema = z.strictObject({
  type: z.literal("mls-commit-refused"),
  /** The Delivery Service's current epoch: process the commits up to it, then retry. */
  epoch,
  reason: z.string().max(200),
});

export const MlsMessageRelaySchema = z.strictObject({
  type: z.literal("mls-message"),
  from: participantId,
  message: mlsBytes,
});

/** One member's signed failure report, as relayed in a rollback. */
export const FailureReportSchema = z.strictObject({ leaf: leafIndex, signature: reportSignature });

/**
 * The commit made in `epoch` is withdrawn: the commit itself and the failure reports the server
 * counted. Each member checks them against its own tree before it goes back to `epoch`.
 */
export const MlsRollbackSchema = z.strictObject({
  type: z.literal("mls-rollback"),
  epoch,
  commit: mlsBytes,
  reports: z
    .array(FailureReportSchema)
    .min(1)
    .max(MAX_LEAF_INDEX + 1),
});

export const MLS_SERVER_SCHEMAS = [
  MlsKeyPackageRelaySchema,
  MlsCommitRelaySchema,
  MlsWelcomeSchema,
  MlsCommitRefusedSchema,
  MlsMessageRelaySchema,
  MlsRollbackSchema,
] as const;

/** What the Delivery Service sends a participant: the messages a held place numbers and keeps. */
export type MlsServerMessage = z.infer<(typeof MLS_SERVER_SCHEMAS)[number]>;
