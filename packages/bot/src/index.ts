export { Bot, type BotEvents, joinBot } from "./bot.ts";
export type { BotOptions } from "./bot-options.ts";
export type { BotStats } from "./bot-stats.ts";
export { type Clip, clipFromBytes, loadShippedClip } from "./clip.ts";
export { BotE2ee, type BotE2eeStats, type MediaAlarm } from "./e2ee.ts";
export {
  BOT_ERROR_CODES,
  BotError,
  type BotErrorCode,
  isBotError,
  LinkError,
  MediaFormatError,
  type Result,
  ServerRefusedError,
} from "./errors.ts";
export { type IvfFile, type IvfFrame, type IvfHeader, parseIvf } from "./ivf.ts";
export type { KnockCard } from "./knock-cards.ts";
export { type MeetingLink, parseMeetingLink } from "./meeting-link.ts";
export { type OggOpusFile, parseOggOpus } from "./ogg.ts";
export type { PublisherCounters } from "./publisher.ts";
export type { AudioStats, RemoteStats, VideoStats } from "./receive-ledger.ts";
export {
  parseVp8Descriptor,
  type RtpPacketView,
  Vp8Depacketizer,
  type Vp8Descriptor,
  type Vp8Frame,
} from "./vp8-depacketizer.ts";
export { packetizeVp8, type Vp8RtpPayload } from "./vp8-packetizer.ts";
