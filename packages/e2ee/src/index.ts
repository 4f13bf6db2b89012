// @conclave/e2ee: end-to-end encryption for Conclave. For now the SFrame layer (RFC 9605).
// Also the MLS session (RFC 9420, src/mls) and the media key schedule (RFC 9605 §5.2, src/media-keys).
// Whole encoded media frames to SFrame and back, codec-aware: src/frames. Admission by invite-secret
// proof or host, Welcome tags, roles and settings in the group context: src/admission.
export {
  type AdmittedKeyPackage,
  admissionCommitOptions,
} from "./admission/admission-add.ts";
export { type Admission, admissionPolicy } from "./admission/admission-policy.ts";
export { makeAdmissionProof, verifyAdmissionProof } from "./admission/admission-proof.ts";
export {
  type Fingerprint,
  fingerprintFromBytes,
  parseFingerprint,
} from "./admission/fingerprint.ts";
export { hostPresent, promote, successorOf } from "./admission/host-succession.ts";
export {
  ADMIT_KEY_LABEL,
  type AdmitKey,
  deriveInviteKeys,
  type InviteKeys,
} from "./admission/invite-keys.ts";
export {
  DEFAULT_SETTINGS,
  decodeMeetingRoles,
  encodeMeetingRoles,
  foundingRoles,
  MEETING_ROLES_EXTENSION_TYPE,
  type MeetingRoles,
  type MeetingSettings,
  type Role,
  roleOf,
} from "./admission/meeting-roles.ts";
export {
  decodeRefMacList,
  encodeRefMacList,
  type RefMac,
} from "./admission/ref-mac-list.ts";
export type { Refusal, RefusalReason } from "./admission/refusal.ts";
export { applyRolesChange, type RolesChange } from "./admission/roles-change.ts";
export {
  makeWelcomeTag,
  verifyWelcomeTag,
  WELCOME_TAG_EXTENSION_TYPE,
} from "./admission/welcome-tag.ts";
export {
  E2eeError,
  type E2eeErrorCode,
  E2eeUsageError,
  isE2eeError,
  type MlsErrorCode,
  MlsSessionError,
} from "./errors.ts";
export {
  clearPrefixLength,
  type FrameCodec,
  isVp8KeyFrame,
  OPUS_CLEAR_BYTES,
  VP8_INTERFRAME_CLEAR_BYTES,
  VP8_KEY_FRAME_CLEAR_BYTES,
} from "./frames/codec-prefix.ts";
export {
  createFrameCryptor,
  type FrameCryptor,
  type FrameCryptorOptions,
  type FrameDecryptFailure,
  type FrameDecryptResult,
  type FrameEncryptFailure,
  type FrameEncryptResult,
  type ReceiveStreamId,
} from "./frames/frame-cryptor.ts";
export type { FrameCounts, FrameStats } from "./frames/frame-stats.ts";
export {
  DEFAULT_CATCH_UP_MS,
  DEFAULT_SPLIT_FAILURES,
  DEFAULT_SPLIT_WINDOW_MS,
  MediaWatch,
  type MediaWatchAlarm,
  type MediaWatchChanges,
  type MediaWatchOptions,
  type MediaWatchState,
} from "./frames/media-watch.ts";
export {
  DEFAULT_HOLD_MAX_AGE_MS,
  DEFAULT_HOLD_MAX_FRAMES,
  NextEpochHold,
  type NextEpochHoldOptions,
  type NextEpochHoldStats,
} from "./frames/next-epoch-hold.ts";
export {
  type LateFrame,
  MeetingMedia,
  type MeetingMediaEvents,
  type MeetingMediaOptions,
  type ReceivedFrame,
  type ReceiveTrack,
} from "./media/meeting-media.ts"; // frames of a meeting: engine and cryptor together
export {
  createMediaKeyRing,
  DEFAULT_GRACE_PERIOD_MS,
  type KidEpochClass,
  type MediaKeyRing,
  type MediaKeyRingOptions,
} from "./media-keys/key-ring.ts";
export {
  deriveEpochMediaKeys,
  type EpochMediaKeys,
  eraseEpochMediaKeys,
  type MediaEpochSource,
  mediaEpochSource,
  SFRAME_BASE_KEY_LABEL,
} from "./media-keys/key-schedule.ts";
export {
  decodeKid,
  encodeKid,
  epochBitsOf,
  KID_CONTEXT_BITS,
  KID_EPOCH_BITS,
  KID_LIMIT,
  KID_SENDER_BITS,
  type KidParts,
  MAX_KID_SENDER,
} from "./media-keys/kid.ts";
export { DEFAULT_LEDGER_EPOCHS, NonceLedger } from "./media-keys/nonce-ledger.ts";
export {
  ALL_STREAMS,
  type MediaKind,
  mediaKindOf,
  STREAM_CONTEXTS,
  type StreamContext,
  streamContextFromId,
  suiteForStream,
} from "./media-keys/stream-context.ts";
export {
  APP_FORMAT_OPAQUE,
  APP_FORMAT_TYPED_V1,
  type DecodedAppMessage,
  decodeAppMessage,
  isReaction,
  MAX_CHAT_TEXT,
  REACTIONS,
  type Reaction,
  type TypedAppMessage,
} from "./member/app-message.ts";
export { distinctNames } from "./member/display-names.ts";
export type {
  EpochEvent,
  EpochReason,
  MemberError,
  MemberErrorCode,
  MemberEvents,
  RosterMember,
  SecurityAlarm,
  SecurityEvent,
} from "./member/events.ts";
export { type HostCommand, mayCommand } from "./member/host-commands.ts";
export {
  createMeetingMember,
  type MeetingMember,
  type MeetingMemberOptions,
  type MemberStats,
  type MemberStatus,
  type MemberTimers,
  type MlsClientMessage,
} from "./member/meeting-member.ts"; // the member engine (docs/e2ee.md client side)
export {
  commitReference,
  type FailureReport,
  type RollbackClaim,
  type RollbackVerdict,
  signFailureReport,
  verifyRollback,
} from "./member/rollback-evidence.ts";
export {
  isMlsCiphersuiteName,
  loadMlsCiphersuite,
  MLS_CIPHERSUITE_NAME,
  MLS_CIPHERSUITES,
  type MlsCiphersuiteName,
} from "./mls/ciphersuite.ts";
export {
  addMembers,
  commitRoles,
  removeMembers,
  selfUpdate,
} from "./mls/commits.ts";
export {
  type CredentialIdentity,
  checkDisplayName,
  createDeviceIdentity,
  type DeviceIdentity,
  decodeIdentity,
  encodeIdentity,
  fingerprintOf,
  formatFingerprint,
  type MemberIdentity,
} from "./mls/credential.ts";
export {
  CONCLAVE_GROUP_PIN,
  decodeGroupPin,
  encodeGroupPin,
  GROUP_PIN_EXTENSION_TYPE,
  type GroupPin,
} from "./mls/group-pin.ts";
export { type IncomingEvent, type IncomingTransition, processIncoming } from "./mls/incoming.ts";
export {
  CLOCK_SKEW_SECONDS,
  decodeKeyPackage,
  KEY_PACKAGE_MAX_LIFETIME_SECONDS,
  type KeyPackageBundle,
  type KeyPackageRef,
  keyPackageRef,
  makeKeyPackage,
  validateKeyPackage,
} from "./mls/key-package.ts";
export {
  acceptAllPolicy,
  addedKeyPackages,
  allOf,
  type MlsPolicy,
  MlsPolicyRefusedError,
  type PolicyContext,
  type PolicyInput,
  type PolicyVerdict,
} from "./mls/policy.ts";
export { type Roster, type RosterEntry, rosterEntry } from "./mls/roster.ts";
export { SECURITY_CODE_BITS, type SecurityCode } from "./mls/security-code.ts";
export {
  type AddTransition,
  type CommitOptions,
  type CommitTransition,
  createMeeting,
  eraseConsumed,
  exportSecret,
  type MlsSession,
  type SessionOptions,
  sealApplicationMessage,
  type Transition,
} from "./mls/session.ts";
export {
  deviceIdentityWithKey,
  generateSigningKey,
  isSigningKeyHandle,
} from "./mls/signing-key.ts";
export { joinFromWelcome } from "./mls/welcome.ts";
export { type AeadKey, frameNonce, importAeadKey } from "./sframe/cipher.ts";
export {
  createSframeContext,
  type DecryptFailure,
  type DecryptResult,
  type EncryptFailure,
  type EncryptResult,
  type KeyUsage,
  MIN_BASE_KEY_LENGTH,
  type SframeContext,
  type SframeContextOptions,
} from "./sframe/context.ts";
export {
  decodeHeader,
  encodeHeader,
  type HeaderDecodeFailure,
  type HeaderDecodeResult,
  headerLength,
  type SframeHeader,
} from "./sframe/header.ts";
export { deriveKeySalt, deriveSubkeys, type SframeKeyMaterial } from "./sframe/key-derivation.ts";
export { DEFAULT_REPLAY_WINDOW, type ReplayVerdict, ReplayWindow } from "./sframe/replay-window.ts";
export {
  AES_128_CTR_HMAC_SHA256_32,
  AES_128_CTR_HMAC_SHA256_64,
  AES_128_CTR_HMAC_SHA256_80,
  AES_128_GCM_SHA256_128,
  AES_256_CTR_HMAC_SHA512_32,
  AES_256_CTR_HMAC_SHA512_64,
  AES_256_CTR_HMAC_SHA512_80,
  AES_256_GCM_SHA512_128,
  type CipherSuite,
  cipherSuiteById,
  IANA_256_CTR_SUITES,
  RFC9605_SUITES,
  type SuiteAead,
  type SuiteHash,
} from "./sframe/suites.ts";
