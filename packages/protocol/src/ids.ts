/** Branded identifiers: values that look alike on the wire but must never be mixed. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** 128-bit room id, base64url without padding (22 characters). */
export type RoomId = Brand<string, "RoomId">;
/** Server-assigned participant id, unique within a server process. */
export type ParticipantId = Brand<string, "ParticipantId">;

export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** 256-bit server key, base64url without padding (43 characters). */
export const SERVER_KEY_PATTERN = /^[A-Za-z0-9_-]{43}$/;
export const PARTICIPANT_ID_PATTERN = /^[A-Za-z0-9_-]{16}$/;
/** 256-bit server-issued resume token, base64url without padding (43 characters). */
export const RESUME_TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;
