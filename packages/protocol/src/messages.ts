import { z } from "zod";
import { ERROR_CODES } from "./errors.ts";
import {
  PARTICIPANT_ID_PATTERN,
  type ParticipantId,
  RESUME_TOKEN_PATTERN,
  ROOM_ID_PATTERN,
  type RoomId,
  SERVER_KEY_PATTERN,
} from "./ids.ts";
import { KnockSchema, LOBBY_CLIENT_SCHEMAS, LOBBY_SERVER_SCHEMAS } from "./lobby.ts";
import { MEDIA_SOURCES, SOURCE_KIND } from "./media.ts";
import {
  GroupStateSchema,
  leafIndex,
  MLS_CLIENT_SCHEMAS,
  MLS_SERVER_SCHEMAS,
} from "./mls-messages.ts";
import { IceServersSchema } from "./relays.ts";
import { CameraLayersSchema, VideosPausedSchema, ViewSchema } from "./view.ts";

/** Bumped on any incompatible change; a client announces it in `join`. */
export const PROTOCOL_VERSION = 13;
/** Largest signalling message accepted, in bytes of UTF-8. Larger ones get TOO_LARGE. */
export const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_SDP_LENGTH = 60 * 1024;

const roomId = z
  .string()
  .regex(ROOM_ID_PATTERN)
  .transform((s) => s as RoomId);
const participantId = z
  .string()
  .regex(PARTICIPANT_ID_PATTERN)
  .transform((s) => s as ParticipantId);
const sdp = z.string().min(1).max(MAX_SDP_LENGTH);
const transportDirection = z.enum(["send", "recv"]);
const mediaKind = z.enum(["audio", "video"]);
const mediaSource = z.enum(MEDIA_SOURCES);

// ---- client → server -------------------------------------------------------------------

/** Reclaims a dropped connection's place (docs/protocol.md "Reconnecting"). */
export const ResumeSchema = z.strictObject({
  participantId,
  token: z.string().regex(RESUME_TOKEN_PATTERN),
  /**
   * How many Delivery Service messages (`mls-*`) this place has received since its `welcome` or
   * `admitted`: the server sends again what followed, though it went to a connection that died.
   */
  received: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31),
  /**
   * The client still has its peer connections: if the server kept its side too
   * (`welcome.mediaKept`), ICE restarts on them instead of new ones being made.
   */
  keepsMedia: z.boolean().optional(),
});

export const JoinSchema = z
  .strictObject({
    type: z.literal("join"),
    protocol: z.number().int(),
    roomId,
    /** Proves the joiner holds the link: SHA-256(serverKey) starts with the room id. */
    serverKey: z.string().regex(SERVER_KEY_PATTERN).optional(),
    /**
     * With a replaced link (docs/protocol.md "Replacing the link"): the server key of its
     * secret, which the room's members made current with `replace-link`.
     */
    linkKey: z.string().regex(SERVER_KEY_PATTERN).optional(),
    /** Instead of a server key: a knock link's holder asks to be let in (docs/protocol.md "Lobby"). */
    knock: KnockSchema.optional(),
    /**
     * The previous connection's place, if it dropped within the reconnection window. With
     * `knock`: a knocker a host admitted takes its place back, a knocker still waiting its knock
     * (the token from its last `lobby`), or else it knocks anew.
     */
    resume: ResumeSchema.optional(),
  })
  .refine((m) => (m.serverKey === undefined) !== (m.knock === undefined), {
    message: "exactly one of serverKey and knock",
    path: ["serverKey"],
  })
  .refine((m) => m.linkKey === undefined || m.serverKey !== undefined, {
    message: "a link key goes with a server key",
    path: ["linkKey"],
  });

/** Keeps the connection provably alive: the server answers `pong` at once. */
export const PingSchema = z.strictObject({ type: z.literal("ping") });

/** Offer for the client's sending peer connection. */
export const PublishSchema = z.strictObject({ type: z.literal("publish"), sdp });

/** Answer to the server's `subscribe-offer` for the receiving peer connection. */
export const SubscribeAnswerSchema = z.strictObject({ type: z.literal("subscribe-answer"), sdp });

export const IceCandidateSchema = z.strictObject({
  type: z.literal("ice-candidate"),
  transport: transportDirection,
  candidate: z.string().max(1024),
  sdpMid: z.string().max(32).nullable(),
  sdpMLineIndex: z.number().int().min(0).max(1024).nullable(),
});

export const MediaStateSchema = z.strictObject({
  type: z.literal("media-state"),
  audio: z.boolean(),
  video: z.boolean(),
});

/** Asks the server for a keyframe from a publisher, e.g. after a decoder error. */
export const KeyframeRequestSchema = z.strictObject({
  type: z.literal("keyframe-request"),
  participantId,
  /** Which of its videos; the camera when absent. */
  source: z.enum(["camera", "screen"]).optional(),
});

/**
 * Starts, changes or stops forwarding the publisher's screen m-lines (docs/protocol.md "Screen
 * share"). Screen audio goes only with screen video.
 */
export const ScreenShareSchema = z
  .strictObject({ type: z.literal("screen-share"), video: z.boolean(), audio: z.boolean() })
  .refine((m) => m.video || !m.audio, {
    message: "screen audio is shared only with screen video",
    path: ["audio"],
  });

export const LeaveSchema = z.strictObject({ type: z.literal("leave") });

/**
 * A member's client after "remove and block" replaced the invite secret: from now on joiners must
 * present `next` (the new secret's server key) as `linkKey`; `current` (the link key in force, or
 * for the first link its server key) shows the sender held the link. Joiners still waiting with
 * the old link are closed with LINK_REPLACED, to knock instead.
 */
export const ReplaceLinkSchema = z.strictObject({
  type: z.literal("replace-link"),
  current: z.string().regex(SERVER_KEY_PATTERN),
  next: z.string().regex(SERVER_KEY_PATTERN),
});

export const ClientMessageSchema = z.discriminatedUnion("type", [
  JoinSchema,
  PublishSchema,
  SubscribeAnswerSchema,
  IceCandidateSchema,
  MediaStateSchema,
  KeyframeRequestSchema,
  ScreenShareSchema,
  ViewSchema,
  LeaveSchema,
  ReplaceLinkSchema,
  PingSchema,
  ...MLS_CLIENT_SCHEMAS,
  ...LOBBY_CLIENT_SCHEMAS,
]);
export type ClientMessage = z.infer<typeof ClientMessageSchema>;
export type ClientMessageType = ClientMessage["type"];
export const CLIENT_MESSAGE_TYPES: readonly ClientMessageType[] = ClientMessageSchema.options.map(
  (o) => o.shape.type.value,
);

// ---- server → client -------------------------------------------------------------------

export const ParticipantSchema = z.strictObject({
  id: participantId,
  /** The participant's MLS leaf as the Delivery Service follows it; null until it is added. */
  leaf: leafIndex.nullable(),
  audio: z.boolean(),
  video: z.boolean(),
});
export type Participant = z.infer<typeof ParticipantSchema>;

export const WelcomeSchema = z.strictObject({
  type: z.literal("welcome"),
  protocol: z.number().int(),
  selfId: participantId,
  /** Everyone else already in the room. */
  participants: z.array(ParticipantSchema).max(1000),
  /** The room's MLS group as the Delivery Service follows it; null: found it (docs/e2ee.md). */
  group: GroupStateSchema.nullable(),
  /** true: this connection took over `selfId` from a dropped one; what it missed follows. */
  resumed: z.boolean(),
  /**
   * true: the place's media connections were kept too (the client said `resume.keepsMedia`):
   * the client restarts ICE on its own (docs/protocol.md "Reconnecting").
   */
  mediaKept: z.boolean(),
  /** Presented in `join.resume` to take this place back after a drop; replaced on each welcome. */
  resumeToken: z.string().regex(RESUME_TOKEN_PATTERN),
  /** TURN relays with this participant's credential, for its peer connections (relays.ts). */
  iceServers: IceServersSchema,
});

export const PongSchema = z.strictObject({ type: z.literal("pong") });

export const PublishAnswerSchema = z.strictObject({ type: z.literal("publish-answer"), sdp });

export const SubscribedTrackSchema = z
  .strictObject({
    mid: z.string().max(32),
    participantId,
    kind: mediaKind,
    source: mediaSource,
  })
  .refine((t) => SOURCE_KIND[t.source] === t.kind, {
    message: "kind does not match source",
    path: ["kind"],
  });
export type SubscribedTrack = z.infer<typeof SubscribedTrackSchema>;

/** Offer for the receiving peer connection; `tracks` says whose media each m-line carries. */
export const SubscribeOfferSchema = z.strictObject({
  type: z.literal("subscribe-offer"),
  sdp,
  tracks: z.array(SubscribedTrackSchema).max(2000),
});

export const ParticipantJoinedSchema = z.strictObject({
  type: z.literal("participant-joined"),
  participant: ParticipantSchema,
});

export const ParticipantUpdatedSchema = z.strictObject({
  type: z.literal("participant-updated"),
  participant: ParticipantSchema,
});

export const ParticipantLeftSchema = z.strictObject({
  type: z.literal("participant-left"),
  id: participantId,
  reason: z.enum(["left", "disconnected"]),
});

export const ErrorSchema = z.strictObject({
  type: z.literal("error"),
  code: z.enum(ERROR_CODES),
  message: z.string(),
});

export const ServerMessageSchema = z.discriminatedUnion("type", [
  WelcomeSchema,
  PublishAnswerSchema,
  SubscribeOfferSchema,
  ParticipantJoinedSchema,
  ParticipantUpdatedSchema,
  ParticipantLeftSchema,
  ErrorSchema,
  PongSchema,
  VideosPausedSchema,
  CameraLayersSchema,
  ...MLS_SERVER_SCHEMAS,
  ...LOBBY_SERVER_SCHEMAS,
]);
export type ServerMessage = z.infer<typeof ServerMessageSchema>;
export type ServerMessageType = ServerMessage["type"];

/**
 * A client's `join.resume.received` once `message` has arrived: the Delivery Service's messages
 * (`mls-*`) count one each; a new place (`welcome` not resumed, `admitted`) counts from zero,
 * a resumed one carries on (docs/protocol.md "Reconnecting").
 */
export function receivedAfter(received: number, message: ServerMessage): number {
  if (message.type.startsWith("mls-")) return received + 1;
  if (message.type === "admitted" || (message.type === "welcome" && !message.resumed)) return 0;
  return received;
}
