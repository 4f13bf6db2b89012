/**
 * What the media worker reports to the page about the meeting's encryption (worker/messages.ts
 * carries them): frame counts, the MLS group, roles and settings, alarms and the security log.
 * None of them carries a key, a proof or a tag: the page sees codes, the roster, the epoch, counts.
 */
import { z } from "zod";

export const mediaKind = z.enum(["audio", "video"]);
export type MediaKind = z.infer<typeof mediaKind>;
export const transformDirection = z.enum(["send", "recv"]);
export type TransformDirection = z.infer<typeof transformDirection>;

/** An MLS leaf index, as the signalling protocol bounds it (4096 members). */
export const leaf = z.int().min(0).max(4095);
/** A count or a byte total: finite and not negative. */
const count = z.number().min(0);
/** ms since 1970, as a device's clock says. */
export const timestamp = z.int().positive();
/** A decimal string: an MLS epoch is a 64-bit integer. */
const decimal = z.string().max(24).regex(/^\d+$/);
/** A device fingerprint as the roster shows it: 16 groups of 4 hex digits. */
export const fingerprintText = z.string().regex(/^[0-9a-f]{4}( [0-9a-f]{4}){15}$/);
const countsByReason = z.record(z.string().max(64), count);

/** Frame counts for one direction and kind since the worker started. */
export const FrameCountsSchema = z.strictObject({
  direction: transformDirection,
  kind: mediaKind,
  frames: count,
  bytes: count,
  /** Frames not passed on (no key yet, failed decryption...). */
  dropped: count,
});
export type FrameCounts = z.infer<typeof FrameCountsSchema>;

/** Received frames per remote participant and kind. */
export const ParticipantFrameCountsSchema = z.strictObject({
  participantId: z.string().max(64),
  kind: mediaKind,
  frames: count,
  dropped: count,
});
export type ParticipantFrameCounts = z.infer<typeof ParticipantFrameCountsSchema>;

/** SFrame outcomes for one sender leaf (or in total), summed over every key ring of the meeting. */
export const SframeCountsSchema = z.strictObject({
  encrypted: count,
  decrypted: count,
  /** our frames not sent (no key yet...), by reason */
  refused: countsByReason,
  /** received frames never passed to a decoder, by reason */
  dropped: countsByReason,
  /** received frames keyed with the next epoch, held and retried */
  deferred: count,
});
export type SframeCounts = z.infer<typeof SframeCountsSchema>;

export const SframeReportSchema = z.strictObject({
  total: SframeCountsSchema,
  /** by sender leaf (decimal string) */
  senders: z.record(z.string().regex(/^\d{1,4}$/), SframeCountsSchema),
  /** next-epoch hold: frames that waited too long or found it full (never decoded) */
  holdExpired: count,
  holdOverflow: count,
});
export type SframeReport = z.infer<typeof SframeReportSchema>;

/** One member of the MLS group, as its signed credential says. */
export const RosterEntrySchema = z.strictObject({
  leaf,
  name: z.string().max(256),
  fingerprint: z.string().max(128),
  self: z.boolean(),
  nameConfirmed: z.boolean(),
  /**
   * The words we and this member read to each other to compare keys (docs/e2ee.md "Comparing
   * with one person"); null for ourselves and until they are derived.
   */
  comparison: z
    .array(z.string().regex(/^[a-z]{2,16}$/))
    .length(6)
    .nullable(),
});
export type RosterEntry = z.infer<typeof RosterEntrySchema>;

export const groupStatus = z.enum(["starting", "joining", "member", "removed", "failed"]);
export type GroupStatus = z.infer<typeof groupStatus>;

/** The MLS group as this device sees it. */
export const GroupViewSchema = z.strictObject({
  status: groupStatus,
  epoch: decimal.nullable(),
  ownLeaf: leaf.nullable(),
  /** five groups of five digits */
  securityCode: z
    .string()
    .max(64)
    .regex(/^[\d ]+$/)
    .nullable(),
  roster: z.array(RosterEntrySchema).max(4096),
  /** the group's MLS cipher suite by its RFC 9420 name, once in a group */
  ciphersuite: z
    .string()
    .max(64)
    .regex(/^MLS_\w+$/)
    .nullable(),
  /** why the worker cannot take part, for `failed` */
  failure: z.string().max(1000).nullable(),
  /** for `removed`: the member whose commit removed us, as our roster showed it */
  removedBy: z.strictObject({ name: z.string().max(300), fingerprint: fingerprintText }).nullable(),
});
export type GroupView = z.infer<typeof GroupViewSchema>;

/** Roles and settings from the group context (docs/e2ee.md "Roles and settings"). */
export const RolesViewSchema = z.strictObject({
  /** fingerprints as the roster shows them ("3fa2 09bc ...") */
  hosts: z.array(fingerprintText).max(16),
  coHosts: z.array(fingerprintText).max(64),
  denied: z.array(fingerprintText).max(1024),
  lobbyMandatory: z.boolean(),
  knockingEnabled: z.boolean(),
  locked: z.boolean(),
});
export type RolesView = z.infer<typeof RolesViewSchema>;

/**
 * A line of the engine's security log (docs/e2ee.md "Security log"): what a rule refused and the
 * device concerned. Carries no key, proof, tag or name (the engine's `detail` is not forwarded).
 */
export const SecurityLogEntrySchema = z.strictObject({
  /** when the worker heard of it */
  at: timestamp,
  /** a refusal reason of @conclave/e2ee (admission/refusal.ts) */
  reason: z
    .string()
    .max(64)
    .regex(/^[a-z-]+$/),
  fingerprint: fingerprintText.nullable(),
  /** the epoch we were in */
  epoch: decimal.nullable(),
});
export type SecurityLogEntry = z.infer<typeof SecurityLogEntrySchema>;

/**
 * Something the server may do but must not hide (docs/e2ee.md "Alarms"). `active: false` clears an
 * alarm; a withheld commit stays shown until the group's epoch moves past `epoch`.
 */
export const AlarmViewSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("withheld-commit"), epoch: decimal }),
  /** a rollback of the commit of `epoch` whose signed evidence did not hold: refused */
  z.strictObject({ kind: z.literal("forged-rollback"), epoch: decimal }),
  /** a commit we had applied, made in `epoch` by `committer`, was withdrawn on real evidence */
  z.strictObject({
    kind: z.literal("rolled-back"),
    epoch: decimal,
    committer: fingerprintText.nullable(),
  }),
  z.strictObject({
    kind: z.literal("unknown-participant"),
    participantId: z.string().max(64),
    active: z.boolean(),
  }),
  z.strictObject({ kind: z.literal("newer-epoch"), active: z.boolean() }),
  z.strictObject({ kind: z.literal("group-split"), leaf, active: z.boolean() }),
]);
export type AlarmView = z.infer<typeof AlarmViewSchema>;
