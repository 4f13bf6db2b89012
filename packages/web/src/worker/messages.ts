/**
 * Messages between the page and the media worker, typed like any wire protocol (STYLE.md): zod
 * schemas with the types inferred from them. Each side parses what it receives with the schema of
 * that direction: postMessage is a trust boundary too.
 *
 * The worker holds every secret of the meeting (device identity, MLS state, media keys, the admit
 * key). Only `start` carries one, the invite secret the page already has in its address bar: the
 * worker derives the admit key from it (docs/e2ee.md "Admission"). Nothing else below carries one:
 * the page sees codes, the roster, the epoch, counts, and what members said (chat, hands,
 * reactions, recording), each with the MLS leaf that signed it (worker/reports.ts).
 */
import {
  MAX_CHAT_TEXT,
  MEDIA_SOURCES,
  type MediaSource,
  PARTICIPANT_ID_PATTERN,
  REACTIONS,
  ROOM_ID_PATTERN,
  SOURCE_KIND,
} from "@conclave/protocol";
import { z } from "zod";
import {
  AlarmViewSchema,
  FrameCountsSchema,
  fingerprintText,
  GroupViewSchema,
  leaf,
  mediaKind,
  ParticipantFrameCountsSchema,
  RolesViewSchema,
  SecurityLogEntrySchema,
  SframeReportSchema,
  timestamp,
} from "./reports.ts";

const mediaSource = z.enum(MEDIA_SOURCES);
const text = z.string().max(10_000);
/** A display name as the engine checked it (at most 128 bytes of UTF-8). */
const name = z.string().min(1).max(128);
/** 32 bytes of base64url: an invite secret. */
const secretText = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const reaction = z.enum(REACTIONS);

/** Passed as the options of every `RTCRtpScriptTransform`; read back as `transformer.options`. */
/** A KeyPackageRef (RFC 9420 §5.2) in hex: 32 bytes, or 64 for a SHA-512 suite (X-Wing). */
const keyPackageRef = z.string().regex(/^(?:[0-9a-f]{64}|[0-9a-f]{128})$/);

export const TransformOptionsSchema = z.union([
  z
    .strictObject({
      direction: z.literal("send"),
      kind: mediaKind,
      mid: z.string().nullable(),
      /** What a sender sends, its SFrame stream context: that picks its key. */
      source: mediaSource,
    })
    // A sender's source is of its own kind.
    .refine((o) => SOURCE_KIND[o.source] === o.kind, { message: "source of another kind" }),
  z.strictObject({
    direction: z.literal("recv"),
    kind: mediaKind,
    /** The transceiver's mid: it says whose media this is (see `recv-mids`). */
    mid: z.string().nullable(),
    source: z.null(),
  }),
]);
export type TransformOptions = z.infer<typeof TransformOptionsSchema>;

/** Whose media one receiving m-line carries, as the server's last offer says. */
export const ReceivedTrackSchema = z.strictObject({
  participantId: z.string().max(64),
  source: mediaSource,
});
export type ReceivedTrack = z.infer<typeof ReceivedTrackSchema>;

/**
 * The `recv-mids` message for what the server's last offer lists per mid: only whose media and
 * which source, as the worker's strict schema takes them (a SubscribedTrack also has mid and kind).
 */
export function receiveMidsMessage(
  tracks: Readonly<
    Record<string, { readonly participantId: string; readonly source: MediaSource }>
  >,
): Extract<PageToWorker, { type: "recv-mids" }> {
  const mids: Record<string, ReceivedTrack> = {};
  for (const [mid, { participantId, source }] of Object.entries(tracks)) {
    mids[mid] = { participantId, source };
  }
  return { type: "recv-mids", mids };
}

/** What a host or co-host asks its engine to commit (MeetingMember); refusals come as member-error. */
export const HostActionSchema = z.discriminatedUnion("kind", [
  /** exactly the upload the host's card showed (its KeyPackageRef, hex), nothing swapped in since */
  z.strictObject({
    kind: z.literal("admit"),
    participantId: z.string().regex(PARTICIPANT_ID_PATTERN),
    keyPackageRef: keyPackageRef,
  }),
  z.strictObject({ kind: z.literal("remove"), leaf }),
  /** "Remove and block": deny the device and replace the invite secret (hosts only) */
  z.strictObject({ kind: z.literal("block"), fingerprint: fingerprintText }),
  z.strictObject({ kind: z.literal("set-locked"), locked: z.boolean() }),
  z.strictObject({
    kind: z.literal("set-lobby"),
    lobbyMandatory: z.boolean(),
    knockingEnabled: z.boolean(),
  }),
  z.strictObject({
    kind: z.literal("make-co-host"),
    fingerprint: fingerprintText,
    on: z.boolean(),
  }),
  // Host commands, sealed to the group (docs/e2ee.md "Host commands"); not commits.
  z.strictObject({ kind: z.literal("ask-unmute"), fingerprint: fingerprintText }),
  z.strictObject({ kind: z.literal("mute"), fingerprint: fingerprintText }),
  z.strictObject({ kind: z.literal("mute-all") }),
  z.strictObject({ kind: z.literal("end-meeting") }),
  /** hands our host role to a member (a commit; hosts only) */
  z.strictObject({ kind: z.literal("transfer-host"), fingerprint: fingerprintText }),
  /** a member's raised hand, lowered for everyone (receivers check our role) */
  z.strictObject({ kind: z.literal("lower-hand"), leaf }),
]);
export type HostAction = z.infer<typeof HostActionSchema>;
const hostActionKind = z.enum(HostActionSchema.options.map((o) => o.shape.kind.value));

/** What a host or co-host asked of us, its role checked by the engine (@conclave/e2ee HostCommand). */
export const hostCommand = z.enum(["ask-unmute", "mute", "end-meeting"]);
export type HostCommand = z.infer<typeof hostCommand>;

// ---- page → worker ------------------------------------------------------------------------

export const PageToWorkerSchema = z.discriminatedUnion("type", [
  /** Makes the device identity (with this display name) and the meeting member engine. */
  z.strictObject({
    type: z.literal("start"),
    displayName: z.string().min(1).max(256),
    inviteSecret: secretText,
    /** The link's room: a replaced secret no longer derives it. */
    roomId: z.string().regex(ROOM_ID_PATTERN),
  }),
  /**
   * Instead of `start`, for a knock link: no invite secret, so no admit key; the engine waits for
   * a host's Add and never founds a group. `pinnedHost` must have committed it.
   */
  z.strictObject({
    type: z.literal("start-knock"),
    displayName: z.string().min(1).max(256),
    pinnedHost: fingerprintText.nullable(),
  }),
  /** A server message for the engine, as the JSON text the server sent (validated again there). */
  z.strictObject({ type: z.literal("server"), message: z.string().max(1024 * 1024) }),
  /** The connection to the server was lost (the page reconnects): told to the engine. */
  z.strictObject({ type: z.literal("server-lost") }),
  /** Which participant each receiving mid carries now; m-lines are reused, so sent on every offer. */
  z.strictObject({ type: z.literal("recv-mids"), mids: z.record(z.string(), ReceivedTrackSchema) }),
  /** How often to post `counts`, in milliseconds. */
  z.strictObject({ type: z.literal("report-interval"), ms: z.number().min(100) }),
  /** Sends a chat message to the group; answered by `chat-result` with the same id. */
  z.strictObject({
    type: z.literal("send-chat"),
    id: z.number().min(0),
    text: z
      .string()
      .max(MAX_CHAT_TEXT)
      .refine((t) => t.trim().length > 0, { message: "empty chat message" }),
  }),
  /**
   * Our hand: up since `raisedAt` or down (null). The worker tells the group, and tells it again
   * to members who join later, as it does for `set-recording`.
   */
  z.strictObject({ type: z.literal("set-hand"), raisedAt: timestamp.nullable() }),
  z.strictObject({ type: z.literal("send-reaction"), emoji: reaction }),
  /** Whether we are recording the meeting on this device. */
  z.strictObject({ type: z.literal("set-recording"), active: z.boolean() }),
  /** A host's or co-host's request (lobby admission, removal, lock, lobby settings, roles). */
  z.strictObject({ type: z.literal("host"), action: HostActionSchema }),
  /** We are leaving: say goodbye to the group (signed) before the page sends `leave`. */
  z.strictObject({ type: z.literal("goodbye") }),
]);
export type PageToWorker = z.infer<typeof PageToWorkerSchema>;

// ---- worker → page ------------------------------------------------------------------------

export const WorkerToPageSchema = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("counts"),
    totals: z.array(FrameCountsSchema),
    participants: z.array(ParticipantFrameCountsSchema),
    sframe: SframeReportSchema,
  }),
  z.strictObject({ type: z.literal("transform-error"), message: text }),
  /** An MLS client message for the server, to send as it is (the page parses it as one). */
  z.strictObject({ type: z.literal("mls-send"), message: z.record(z.string(), z.unknown()) }),
  z.strictObject({ type: z.literal("group"), group: GroupViewSchema }),
  /** receive mid → sender leaf named by the KID of its authentic frames */
  z.strictObject({ type: z.literal("bindings"), bindings: z.record(z.string(), leaf) }),
  z.strictObject({ type: z.literal("chat"), sender: leaf, name: z.string().max(256), text }),
  z.strictObject({ type: z.literal("chat-result"), id: z.number().min(0), ok: z.boolean() }),
  /** The hand of `leaf` went up at `raisedAt` (the raiser's clock) or down (null). */
  z.strictObject({ type: z.literal("hand"), leaf, raisedAt: timestamp.nullable() }),
  z.strictObject({ type: z.literal("reaction"), sender: leaf, emoji: reaction }),
  z.strictObject({ type: z.literal("recording"), sender: leaf, active: z.boolean() }),
  /** A non-fatal problem the engine reported (code from @conclave/e2ee MemberErrorCode). */
  z.strictObject({ type: z.literal("member-error"), code: z.string().max(64), message: text }),
  /** The engine must join again on a new connection. */
  z.strictObject({ type: z.literal("reconnect"), reason: text }),
  /** The group context's roles and settings changed (or are first known). */
  z.strictObject({ type: z.literal("roles"), roles: RolesViewSchema }),
  /**
   * Someone waiting to join: the device fingerprint of its uploaded KeyPackage, and the name it
   * sealed for holders of the invite secret (null for a knock, or if we hold no secret).
   */
  z.strictObject({
    type: z.literal("upload"),
    participantId: z.string().max(64),
    fingerprint: fingerprintText,
    name: name.nullable(),
    keyPackageRef,
  }),
  /** That upload waits no more: nothing of it to admit (added, gone, or no longer listed). */
  z.strictObject({ type: z.literal("upload-ended"), participantId: z.string().max(64) }),
  /** A line of the engine's security log. */
  z.strictObject({ type: z.literal("security-event"), event: SecurityLogEntrySchema }),
  /** A host or co-host (`sender`'s leaf, role checked by the engine) asks this of us. */
  z.strictObject({ type: z.literal("host-command"), sender: leaf, command: hostCommand }),
  /** A host request was handled: `ok` false if the engine refused it or we are not a member. */
  z.strictObject({ type: z.literal("host-done"), kind: hostActionKind, ok: z.boolean() }),
  /** The goodbye is on its way (its MLS message came before this). */
  z.strictObject({ type: z.literal("goodbye-sent") }),
  /** An alarm raised or cleared (engine, or the frame watch: newer epoch, group split). */
  z.strictObject({ type: z.literal("alarm"), alarm: AlarmViewSchema }),
  /** "Remove and block" replaced the invite secret: the new one, for the page's link. */
  z.strictObject({ type: z.literal("invite-replaced"), secret: secretText }),
]);
export type WorkerToPage = z.infer<typeof WorkerToPageSchema>;

/** Why a message was refused, short enough for diagnostics: the first issue's path and text. */
export function refusal(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue === undefined ? "invalid" : `${issue.path.join(".") || "message"}: ${issue.message}`;
}

/**
 * How this device comes to the meeting, as the worker needs it: the invite secret (and its room,
 * which a replaced secret no longer derives), or a knock link's pinned host.
 */
export type MeetingAccessKeys =
  | { readonly inviteSecret: string; readonly roomId: string }
  | { readonly pinnedHost: string | null };
