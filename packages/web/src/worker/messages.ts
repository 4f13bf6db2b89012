/**
 * Messages between the page and the media worker, typed like any wire protocol (STYLE.md). Each
 * side validates what it receives with the guards below: postMessage is a trust boundary too.
 *
 * The worker holds every secret of the meeting (device identity, MLS state, media keys, the admit
 * key). Only `start` carries one, the invite secret the page already has in its address bar: the
 * worker derives the admit key from it (docs/e2ee.md "Admission"). Nothing else below carries one: the page sees codes, the roster, the epoch, counts, and what members said
 * (chat, hands, reactions, recording), each with the MLS leaf that signed it.
 */
import { MEDIA_SOURCES, type MediaSource, SOURCE_KIND } from "@conclave/protocol";

export type MediaKind = "audio" | "video";
export type TransformDirection = "send" | "recv";

/** Passed as the options of every `RTCRtpScriptTransform`; read back as `transformer.options`. */
export interface TransformOptions {
  readonly direction: TransformDirection;
  readonly kind: MediaKind;
  /** The transceiver's mid; for receivers it says whose media this is (see `recv-mids`). */
  readonly mid: string | null;
  /** What a sender sends, its SFrame stream context; null for a receiver (see `recv-mids`). */
  readonly source: MediaSource | null;
}

/** Whose media one receiving m-line carries, as the server's last offer says. */
export interface ReceivedTrack {
  readonly participantId: string;
  readonly source: MediaSource;
}

/** Frame counts for one direction and kind since the worker started. */
export interface FrameCounts {
  readonly direction: TransformDirection;
  readonly kind: MediaKind;
  readonly frames: number;
  readonly bytes: number;
  /** Frames not passed on (no key yet, failed decryption...). */
  readonly dropped: number;
}

/** Received frames per remote participant and kind. */
export interface ParticipantFrameCounts {
  readonly participantId: string;
  readonly kind: MediaKind;
  readonly frames: number;
  readonly dropped: number;
}

/** SFrame outcomes for one sender leaf (or in total), summed over every key ring of the meeting. */
export interface SframeCounts {
  readonly encrypted: number;
  readonly decrypted: number;
  /** our frames not sent (no key yet...), by reason */
  readonly refused: Readonly<Record<string, number>>;
  /** received frames never passed to a decoder, by reason */
  readonly dropped: Readonly<Record<string, number>>;
  /** received frames keyed with the next epoch, held and retried */
  readonly deferred: number;
}

export interface SframeReport {
  readonly total: SframeCounts;
  /** by sender leaf (decimal string) */
  readonly senders: Readonly<Record<string, SframeCounts>>;
  /** next-epoch hold: frames that waited too long or found it full (never decoded) */
  readonly holdExpired: number;
  readonly holdOverflow: number;
}

/** One member of the MLS group, as its signed credential says. */
export interface RosterEntry {
  readonly leaf: number;
  readonly name: string;
  readonly fingerprint: string;
  readonly self: boolean;
  readonly nameConfirmed: boolean;
}

export type GroupStatus = "starting" | "joining" | "member" | "removed" | "failed";

/** The MLS group as this device sees it. */
export interface GroupView {
  readonly status: GroupStatus;
  /** decimal string (an MLS epoch is a 64-bit integer) */
  readonly epoch: string | null;
  readonly ownLeaf: number | null;
  /** five groups of five digits */
  readonly securityCode: string | null;
  readonly roster: readonly RosterEntry[];
  /** why the worker cannot take part, for `failed` */
  readonly failure: string | null;
}

/** Roles and settings from the group context (docs/e2ee.md "Roles and settings"). */
export interface RolesView {
  /** fingerprints as the roster shows them ("3fa2 09bc ...") */
  readonly hosts: readonly string[];
  readonly coHosts: readonly string[];
  readonly denied: readonly string[];
  readonly lobbyMandatory: boolean;
  readonly knockingEnabled: boolean;
  readonly locked: boolean;
}

/**
 * A line of the engine's security log (docs/e2ee.md "Security log"): what a rule refused and the
 * device concerned. Carries no key, proof, tag or name (the engine's `detail` is not forwarded).
 */
export interface SecurityLogEntry {
  /** ms since 1970 on this device, when the worker heard of it */
  readonly at: number;
  /** a refusal reason of @conclave/e2ee (admission/refusal.ts) */
  readonly reason: string;
  /** roster format, or null if unknown */
  readonly fingerprint: string | null;
  /** decimal, the epoch we were in */
  readonly epoch: string | null;
}

/**
 * Something the server may do but must not hide (docs/e2ee.md "Alarms"). `active: false` clears an
 * alarm; a withheld commit stays shown until the group's epoch moves past `epoch`.
 */
export type AlarmView =
  | { readonly kind: "withheld-commit"; readonly epoch: string }
  | {
      readonly kind: "unknown-participant";
      readonly participantId: string;
      readonly active: boolean;
    }
  | { readonly kind: "newer-epoch"; readonly active: boolean }
  | { readonly kind: "group-split"; readonly leaf: number; readonly active: boolean };

/** What a host or co-host asks its engine to commit (MeetingMember); refusals come as member-error. */
export type HostAction =
  | { readonly kind: "admit"; readonly participantId: string }
  | { readonly kind: "remove"; readonly leaf: number }
  /** "Remove and block": deny the device and replace the invite secret (hosts only) */
  | { readonly kind: "block"; readonly fingerprint: string }
  | { readonly kind: "set-locked"; readonly locked: boolean }
  | {
      readonly kind: "set-lobby";
      readonly lobbyMandatory: boolean;
      readonly knockingEnabled: boolean;
    }
  | { readonly kind: "make-co-host"; readonly fingerprint: string; readonly on: boolean }
  /** Host commands, sealed to the group (docs/e2ee.md "Host commands"); not commits. */
  | { readonly kind: "ask-unmute"; readonly fingerprint: string }
  | { readonly kind: "mute"; readonly fingerprint: string }
  | { readonly kind: "mute-all" }
  | { readonly kind: "end-meeting" };

/** What a host or co-host asked of us, its role checked by the engine (@conclave/e2ee HostCommand). */
export type HostCommand = "ask-unmute" | "mute" | "end-meeting";
const HOST_COMMANDS: readonly string[] = ["ask-unmute", "mute", "end-meeting"];

// ---- page → worker ------------------------------------------------------------------------

export type PageToWorker =
  /** Makes the device identity (with this display name) and the meeting member engine. */
  | {
      readonly type: "start";
      readonly displayName: string;
      readonly inviteSecret: string;
      /** The link's room: a replaced secret no longer derives it. */
      readonly roomId: string;
    }
  /**
   * Instead of `start`, for a knock link: no invite secret, so no admit key; the engine waits for
   * a host's Add and never founds a group. `pinnedHost` (roster format) must have committed it.
   */
  | {
      readonly type: "start-knock";
      readonly displayName: string;
      readonly pinnedHost: string | null;
    }
  /** A server message for the engine, as the JSON text the server sent (validated again here). */
  | { readonly type: "server"; readonly message: string }
  /** Which participant each receiving mid carries now; m-lines are reused, so sent on every offer. */
  | { readonly type: "recv-mids"; readonly mids: Readonly<Record<string, ReceivedTrack>> }
  /** How often to post `counts`, in milliseconds. */
  | { readonly type: "report-interval"; readonly ms: number }
  /** Sends a chat message to the group; answered by `chat-result` with the same id. */
  | { readonly type: "send-chat"; readonly id: number; readonly text: string }
  /**
   * Our hand: up since `raisedAt` (ms since 1970) or down (null). The worker tells the group, and
   * tells it again to members who join later, as it does for `set-recording`.
   */
  | { readonly type: "set-hand"; readonly raisedAt: number | null }
  | { readonly type: "send-reaction"; readonly emoji: Reaction }
  /** Whether we are recording the meeting on this device. */
  | { readonly type: "set-recording"; readonly active: boolean }
  /** A host's or co-host's request (lobby admission, removal, lock, lobby settings, roles). */
  | { readonly type: "host"; readonly action: HostAction };

// ---- worker → page ------------------------------------------------------------------------

export type WorkerToPage =
  | {
      readonly type: "counts";
      readonly totals: readonly FrameCounts[];
      readonly participants: readonly ParticipantFrameCounts[];
      readonly sframe: SframeReport;
    }
  | { readonly type: "transform-error"; readonly message: string }
  /** An MLS client message for the server, to send as it is (the page validates it). */
  | { readonly type: "mls-send"; readonly message: unknown }
  | { readonly type: "group"; readonly group: GroupView }
  /** receive mid → sender leaf named by the KID of its authentic frames */
  | { readonly type: "bindings"; readonly bindings: Readonly<Record<string, number>> }
  | { readonly type: "chat"; readonly sender: number; readonly name: string; readonly text: string }
  | { readonly type: "chat-result"; readonly id: number; readonly ok: boolean }
  /** The hand of `leaf` went up at `raisedAt` (the raiser's clock) or down (null). */
  | { readonly type: "hand"; readonly leaf: number; readonly raisedAt: number | null }
  | { readonly type: "reaction"; readonly sender: number; readonly emoji: Reaction }
  | { readonly type: "recording"; readonly sender: number; readonly active: boolean }
  /** A non-fatal problem the engine reported (code from @conclave/e2ee MemberErrorCode). */
  | { readonly type: "member-error"; readonly code: string; readonly message: string }
  /** The engine must join again on a new connection. */
  | { readonly type: "reconnect"; readonly reason: string }
  /** The group context's roles and settings changed (or are first known). */
  | { readonly type: "roles"; readonly roles: RolesView }
  /**
   * Someone waiting to join: the device fingerprint of its uploaded KeyPackage, and the name it
   * sealed for holders of the invite secret (null for a knock, or if we hold no secret).
   */
  | {
      readonly type: "upload";
      readonly participantId: string;
      readonly fingerprint: string;
      readonly name: string | null;
    }
  /** A line of the engine's security log. */
  | { readonly type: "security-event"; readonly event: SecurityLogEntry }
  /** A host or co-host (`sender`'s leaf, role checked by the engine) asks this of us. */
  | { readonly type: "host-command"; readonly sender: number; readonly command: HostCommand }
  /** A host request was handled: `ok` false if the engine refused it or we are not a member. */
  | { readonly type: "host-done"; readonly kind: HostAction["kind"]; readonly ok: boolean }
  /** An alarm raised or cleared (engine, or the frame watch: newer epoch, group split). */
  | { readonly type: "alarm"; readonly alarm: AlarmView }
  /** "Remove and block" replaced the invite secret: the new one, for the page's link. */
  | { readonly type: "invite-replaced"; readonly secret: string };

const KINDS: readonly string[] = ["audio", "video"];
const DIRECTIONS: readonly string[] = ["send", "recv"];
const GROUP_STATUSES: readonly string[] = ["starting", "joining", "member", "removed", "failed"];
/** The engine's chat text limit (@conclave/e2ee MAX_CHAT_TEXT); the engine checks it again. */
export const MAX_CHAT_LENGTH = 4000;
/**
 * The engine's reaction allow-list (@conclave/e2ee REACTIONS; a test keeps them equal). Copied, so
 * the page bundle does not take in the e2ee package.
 */
export const REACTIONS = ["👍", "👏", "😂", "❤️", "🎉", "😮"] as const;
export type Reaction = (typeof REACTIONS)[number];

/**
 * How this device comes to the meeting, as the worker needs it: the invite secret (and its room,
 * which a replaced secret no longer derives), or a knock link's pinned host.
 */
export type MeetingAccessKeys =
  | { readonly inviteSecret: string; readonly roomId: string }
  | { readonly pinnedHost: string | null };

/** A display name as the engine checked it (at most 128 bytes of UTF-8). */
function isName(value: unknown): value is string {
  return isString(value, 128) && value.length > 0;
}

/** 32 bytes of base64url: an invite secret. */
function isSecretText(value: unknown): value is string {
  return isString(value, 43) && /^[A-Za-z0-9_-]{43}$/.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}

function isLeaf(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 4095;
}

function isString(value: unknown, max = 10_000): value is string {
  return typeof value === "string" && value.length <= max;
}

function isReaction(value: unknown): value is Reaction {
  return REACTIONS.some((r) => r === value);
}

function isTimestamp(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function isCountRecord(value: unknown): value is Record<string, number> {
  return isRecord(value) && Object.values(value).every(isCount);
}

function isFrameCounts(value: unknown): value is FrameCounts {
  return (
    isRecord(value) &&
    DIRECTIONS.includes(value.direction as string) &&
    KINDS.includes(value.kind as string) &&
    isCount(value.frames) &&
    isCount(value.bytes) &&
    isCount(value.dropped)
  );
}

function isParticipantFrameCounts(value: unknown): value is ParticipantFrameCounts {
  return (
    isRecord(value) &&
    typeof value.participantId === "string" &&
    KINDS.includes(value.kind as string) &&
    isCount(value.frames) &&
    isCount(value.dropped)
  );
}

function isSframeCounts(value: unknown): value is SframeCounts {
  return (
    isRecord(value) &&
    isCount(value.encrypted) &&
    isCount(value.decrypted) &&
    isCountRecord(value.refused) &&
    isCountRecord(value.dropped) &&
    isCount(value.deferred)
  );
}

function isSframeReport(value: unknown): value is SframeReport {
  return (
    isRecord(value) &&
    isSframeCounts(value.total) &&
    isRecord(value.senders) &&
    Object.entries(value.senders).every(([k, v]) => /^\d{1,4}$/.test(k) && isSframeCounts(v)) &&
    isCount(value.holdExpired) &&
    isCount(value.holdOverflow)
  );
}

function isRosterEntry(value: unknown): value is RosterEntry {
  return (
    isRecord(value) &&
    isLeaf(value.leaf) &&
    isString(value.name, 256) &&
    isString(value.fingerprint, 128) &&
    typeof value.self === "boolean" &&
    typeof value.nameConfirmed === "boolean"
  );
}

function isNullable<T>(value: unknown, guard: (v: unknown) => v is T): value is T | null {
  return value === null || guard(value);
}

function isGroupView(value: unknown): value is GroupView {
  return (
    isRecord(value) &&
    GROUP_STATUSES.includes(value.status as string) &&
    isNullable(value.epoch, (v): v is string => isString(v, 24) && /^\d+$/.test(v)) &&
    isNullable(value.ownLeaf, isLeaf) &&
    isNullable(value.securityCode, (v): v is string => isString(v, 64) && /^[\d ]+$/.test(v)) &&
    Array.isArray(value.roster) &&
    value.roster.length <= 4096 &&
    value.roster.every(isRosterEntry) &&
    isNullable(value.failure, (v): v is string => isString(v, 1000))
  );
}

const FINGERPRINT_TEXT = /^[0-9a-f]{4}( [0-9a-f]{4}){15}$/;
const isFingerprintText = (v: unknown): v is string =>
  typeof v === "string" && FINGERPRINT_TEXT.test(v);
const isFingerprintList = (v: unknown, max: number): v is string[] =>
  Array.isArray(v) && v.length <= max && v.every(isFingerprintText);

function isRolesView(value: unknown): value is RolesView {
  return (
    isRecord(value) &&
    isFingerprintList(value.hosts, 16) &&
    isFingerprintList(value.coHosts, 64) &&
    isFingerprintList(value.denied, 1024) &&
    typeof value.lobbyMandatory === "boolean" &&
    typeof value.knockingEnabled === "boolean" &&
    typeof value.locked === "boolean"
  );
}

const isDecimal = (v: unknown): v is string => isString(v, 24) && /^\d+$/.test(v);

function isSecurityLogEntry(value: unknown): value is SecurityLogEntry {
  return (
    isRecord(value) &&
    isTimestamp(value.at) &&
    isString(value.reason, 64) &&
    /^[a-z-]+$/.test(value.reason) &&
    isNullable(value.fingerprint, isFingerprintText) &&
    isNullable(value.epoch, isDecimal)
  );
}

function isAlarmView(value: unknown): value is AlarmView {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case "withheld-commit":
      return isDecimal(value.epoch);
    case "unknown-participant":
      return isString(value.participantId, 64) && typeof value.active === "boolean";
    case "newer-epoch":
      return typeof value.active === "boolean";
    case "group-split":
      return isLeaf(value.leaf) && typeof value.active === "boolean";
    default:
      return false;
  }
}

function isHostAction(value: unknown): value is HostAction {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case "admit":
      return isString(value.participantId, 64) && /^[A-Za-z0-9_-]{16}$/.test(value.participantId);
    case "remove":
      return isLeaf(value.leaf);
    case "block":
      return isFingerprintText(value.fingerprint);
    case "set-locked":
      return typeof value.locked === "boolean";
    case "set-lobby":
      return (
        typeof value.lobbyMandatory === "boolean" && typeof value.knockingEnabled === "boolean"
      );
    case "make-co-host":
      return isFingerprintText(value.fingerprint) && typeof value.on === "boolean";
    case "ask-unmute":
    case "mute":
      return isFingerprintText(value.fingerprint);
    case "mute-all":
    case "end-meeting":
      return true;
    default:
      return false;
  }
}

const HOST_ACTION_KINDS: readonly string[] = [
  "admit",
  "remove",
  "block",
  "set-locked",
  "set-lobby",
  "make-co-host",
  "ask-unmute",
  "mute",
  "mute-all",
  "end-meeting",
];

export function isWorkerToPage(value: unknown): value is WorkerToPage {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case "counts":
      return (
        Array.isArray(value.totals) &&
        value.totals.every(isFrameCounts) &&
        Array.isArray(value.participants) &&
        value.participants.every(isParticipantFrameCounts) &&
        isSframeReport(value.sframe)
      );
    case "transform-error":
      return isString(value.message);
    case "mls-send":
      // Validated against the protocol's schema by the page before it is sent.
      return isRecord(value.message);
    case "group":
      return isGroupView(value.group);
    case "bindings":
      return isRecord(value.bindings) && Object.values(value.bindings).every(isLeaf);
    case "chat":
      return isLeaf(value.sender) && isString(value.name, 256) && isString(value.text);
    case "chat-result":
      return isCount(value.id) && typeof value.ok === "boolean";
    case "hand":
      return isLeaf(value.leaf) && isNullable(value.raisedAt, isTimestamp);
    case "reaction":
      return isLeaf(value.sender) && isReaction(value.emoji);
    case "recording":
      return isLeaf(value.sender) && typeof value.active === "boolean";
    case "member-error":
      return isString(value.code, 64) && isString(value.message);
    case "reconnect":
      return isString(value.reason);
    case "roles":
      return isRolesView(value.roles);
    case "upload":
      return (
        isString(value.participantId, 64) &&
        isFingerprintText(value.fingerprint) &&
        isNullable(value.name, isName)
      );
    case "security-event":
      return isSecurityLogEntry(value.event);
    case "host-command":
      return isLeaf(value.sender) && HOST_COMMANDS.includes(value.command as string);
    case "host-done":
      return HOST_ACTION_KINDS.includes(value.kind as string) && typeof value.ok === "boolean";
    case "alarm":
      return isAlarmView(value.alarm);
    case "invite-replaced":
      return isSecretText(value.secret);
    default:
      return false;
  }
}

export function isPageToWorker(value: unknown): value is PageToWorker {
  if (!isRecord(value)) return false;
  switch (value.type) {
    case "start":
      return (
        isString(value.displayName, 256) &&
        value.displayName.length > 0 &&
        isSecretText(value.inviteSecret) &&
        isString(value.roomId, 22) &&
        /^[A-Za-z0-9_-]{22}$/.test(value.roomId)
      );
    case "start-knock":
      return (
        isString(value.displayName, 256) &&
        value.displayName.length > 0 &&
        isNullable(value.pinnedHost, isFingerprintText)
      );
    case "server":
      return isString(value.message, 1024 * 1024);
    case "recv-mids":
      return isRecord(value.mids) && Object.values(value.mids).every(isReceivedTrack);
    case "report-interval":
      return isCount(value.ms) && value.ms >= 100;
    case "send-chat":
      return (
        isCount(value.id) && isString(value.text, MAX_CHAT_LENGTH) && value.text.trim().length > 0
      );
    case "set-hand":
      return isNullable(value.raisedAt, isTimestamp);
    case "send-reaction":
      return isReaction(value.emoji);
    case "set-recording":
      return typeof value.active === "boolean";
    case "host":
      return isHostAction(value.action);
    default:
      return false;
  }
}

function isSource(value: unknown): value is MediaSource {
  return MEDIA_SOURCES.includes(value as MediaSource);
}

function isReceivedTrack(value: unknown): value is ReceivedTrack {
  return isRecord(value) && isString(value.participantId, 64) && isSource(value.source);
}

export function isTransformOptions(value: unknown): value is TransformOptions {
  if (
    !isRecord(value) ||
    !KINDS.includes(value.kind as string) ||
    !(value.mid === null || typeof value.mid === "string")
  ) {
    return false;
  }
  // A sender must say which stream it is, of its own kind: that picks its key.
  if (value.direction === "send") {
    return isSource(value.source) && SOURCE_KIND[value.source] === value.kind;
  }
  return value.direction === "recv" && value.source === null;
}
