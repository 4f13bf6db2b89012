import { z } from "zod";
import { MAX_NAME_CHARS, normaliseDisplayName } from "./display-name.ts";
import { PARTICIPANT_ID_PATTERN, type ParticipantId, RESUME_TOKEN_PATTERN } from "./ids.ts";
import { GroupStateSchema } from "./mls-messages.ts";
import { IceServersSchema } from "./relays.ts";

/**
 * The lobby (docs/protocol.md "Lobby"): someone with a knock link, who holds no invite secret and
 * so no server key, asks to be let in. The name they type is the one thing of theirs the server
 * reads in clear: they share no key with the group yet (docs/threat-model.md). Members only ever
 * show it as "not verified"; once admitted, their name comes from their own signed `hello`.
 */
export const MAX_KNOCK_NAME = MAX_NAME_CHARS;

const participantId = z
  .string()
  .regex(PARTICIPANT_ID_PATTERN)
  .transform((s) => s as ParticipantId);

/**
 * A claimed name, shown to hosts: trimmed, 1-64 characters, no control characters; then put in the
 * same one form as members' names (display-name.ts: NFC, no zero-width or bidi characters, spaces
 * collapsed), and refused if nothing is left. Both ends parse with it, so the server relays only
 * the normalised name and a page never shows another.
 */
export const knockName = z
  .string()
  .max(MAX_KNOCK_NAME * 2)
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1)
      .max(MAX_KNOCK_NAME)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
      .regex(/^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]+$/, "no control characters"),
  )
  .transform(normaliseDisplayName)
  .pipe(z.string().min(1, "a name with something to show"));

/** `join.knock`: instead of a server key, the name a knocker claims. */
export const KnockSchema = z.strictObject({ name: knockName });

// ---- client → server -------------------------------------------------------------------

/** A member turns a knock away: the server closes the knocker's connection with DENIED. */
export const LobbyDenySchema = z.strictObject({
  type: z.literal("lobby-deny"),
  participantId,
});

// ---- server → client -------------------------------------------------------------------

/**
 * To a knocker: you wait in the lobby of this group. Upload a KeyPackage (no proof), then wait.
 * `resumeToken` knocks again in the same place after a drop (`join.resume` with `knock`), replaced
 * on each `lobby`; `resumed`: this is that knock, under the same `selfId`.
 */
export const LobbySchema = z.strictObject({
  type: z.literal("lobby"),
  protocol: z.number().int(),
  selfId: participantId,
  group: GroupStateSchema,
  resumed: z.boolean(),
  resumeToken: z.string().regex(RESUME_TOKEN_PATTERN),
});

/**
 * To a knocker a host admitted (the Delivery Service gave it a leaf): it is a participant now.
 * Its MLS Welcome follows.
 */
export const AdmittedSchema = z.strictObject({
  type: z.literal("admitted"),
  participants: z
    .array(
      z.strictObject({
        id: participantId,
        leaf: z.number().int().min(0).max(4095).nullable(),
        audio: z.boolean(),
        video: z.boolean(),
      }),
    )
    .max(1000),
  resumeToken: z.string().regex(RESUME_TOKEN_PATTERN),
  /** As in `welcome`: TURN relays with this participant's credential (relays.ts). */
  iceServers: IceServersSchema,
});

/** To members: someone knocks. Sent again to each member added later, while they wait. */
export const KnockRelaySchema = z.strictObject({
  type: z.literal("knock"),
  from: participantId,
  name: knockName,
});

/**
 * To members: a knock's connection dropped without a `leave` (a network that went away, a node
 * that died): it keeps its place for the reconnection window, for its knocker to come back to
 * under the same id (`knock` again when it does). Admitted meanwhile, it comes in when back.
 */
export const KnockAwaySchema = z.strictObject({
  type: z.literal("knock-away"),
  from: participantId,
});

/**
 * To a member, new or back from a drop, before `knock` (and `knock-away`) for each: the knocks
 * waiting now, oldest first. A page lists no other: one that ended while it was away is over.
 */
export const KnocksWaitingSchema = z.strictObject({
  type: z.literal("knocks-waiting"),
  waiting: z.array(participantId).max(100),
});

/** To members: a knock is over (the knocker left, was denied, or was admitted). */
export const KnockEndedSchema = z.strictObject({
  type: z.literal("knock-ended"),
  from: participantId,
  reason: z.enum(["left", "denied", "admitted"]),
});

/**
 * To a connection not yet in the group: what keeps it waiting, as the latest commit's public roles
 * extension says (the server follows it; docs/e2ee.md). Sent on join and when it changes.
 */
export const RoomStatusSchema = z.strictObject({
  type: z.literal("room-status"),
  locked: z.boolean(),
  lobbyMandatory: z.boolean(),
});

export const LOBBY_CLIENT_SCHEMAS = [LobbyDenySchema] as const;
export const LOBBY_SERVER_SCHEMAS = [
  LobbySchema,
  AdmittedSchema,
  KnockRelaySchema,
  KnockAwaySchema,
  KnocksWaitingSchema,
  KnockEndedSchema,
  RoomStatusSchema,
] as const;
