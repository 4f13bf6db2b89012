export { fromBase64url, toBase64url } from "./base64url.ts";
export { encodeMessage, parseClientMessage, parseServerMessage } from "./codec.ts";
export { MAX_NAME_CHARS, normaliseDisplayName } from "./display-name.ts";
export {
  ERROR_CODES,
  type ErrorCode,
  FINAL_ERROR_CODES,
  isFinalError,
  isProtocolError,
  ProtocolError,
} from "./errors.ts";
export {
  type Brand,
  PARTICIPANT_ID_PATTERN,
  type ParticipantId,
  ROOM_ID_PATTERN,
  type RoomId,
  SERVER_KEY_PATTERN,
} from "./ids.ts";
export { MAX_KNOCK_NAME } from "./lobby.ts";
export {
  MEDIA_CODECS,
  MEDIA_SOURCES,
  type MediaKind,
  type MediaSource,
  PUBLISH_SOURCES,
  SCREEN_SOURCES,
  SIMULCAST_RIDS,
  type SimulcastRid,
  SOURCE_KIND,
} from "./media.ts";
export { MAX_CHAT_TEXT, REACTIONS, type Reaction } from "./member-talk.ts";
export {
  type ClientMessage,
  type ClientMessageType,
  MAX_MESSAGE_BYTES,
  type Participant,
  PROTOCOL_VERSION,
  receivedAfter,
  type ServerMessage,
  type ServerMessageType,
  type SubscribedTrack,
} from "./messages.ts";
export type { MlsServerMessage } from "./mls-messages.ts";
export {
  type IceServer,
  IceServerSchema,
  MAX_RELAY_URLS,
  TURN_URL_PATTERN,
} from "./relays.ts";
export {
  decodeSettingsFlags,
  encodeSettingsFlags,
  FOUNDING_SETTINGS,
  MAX_CO_HOSTS,
  MAX_DENIED,
  MAX_HOSTS,
  type MeetingSettings,
  ROLES_EXTENSION_TYPE,
  ROLES_FINGERPRINT_BYTES,
  ROLES_HEADER_BYTES,
  ROLES_VERSION,
  readRolesSettings,
} from "./roles-extension.ts";
export {
  deriveRoomId,
  type InviteLink,
  inviteFragment,
  type RoomLink,
  readInviteFragment,
  replacedLink,
  roomIdFromServerKey,
} from "./room-link.ts";
export {
  type CameraLayers,
  MAX_VIEW_VIDEOS,
  type VideosPaused,
  type View,
  type ViewedVideo,
  ViewedVideoSchema,
} from "./view.ts";
