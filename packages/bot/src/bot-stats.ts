import type { Participant, ParticipantId } from "@conclave/protocol";
import type { BotMediaStats } from "./bot-media.ts";
import type { BotE2eeStats } from "./e2ee.ts";
import type { PublisherCounters } from "./publisher.ts";
import type { RemoteStats } from "./receive-ledger.ts";

/**
 * A snapshot of one bot, as `Bot.stats()` gives it and the CLI prints it: connections, what was
 * sent, what was received per remote participant, E2EE, and what went wrong in signalling. Tests
 * and load runs read these counters, so each says exactly what it counts.
 */
export interface BotStats {
  id: string;
  name: string;
  state: "joined" | "closed";
  uptimeSeconds: number;
  sendConnection: string;
  receiveConnection: string;
  sent: PublisherCounters | null;
  /** End-to-end encryption: MLS state and frames opened or dropped per sender leaf. */
  e2ee: BotE2eeStats | null;
  /** Everyone else in the room, as the server announced them. */
  participants: Participant[];
  /** Per remote participant id; `name` as the server last announced it. */
  received: Record<string, RemoteStats & { name: string | null; present: boolean }>;
  signalling: {
    /** Server messages that failed validation: dropped unread. */
    invalidMessages: number;
    /** Valid messages that came when the bot had not asked (a second welcome, say). */
    unexpectedMessages: number;
    /** `error` replies by code. */
    serverErrors: Record<string, number>;
    /** Subscribe offers the bot could not answer. */
    failedOffers: number;
    /** Received packets on an m-line that no offer maps to a publisher. */
    unmappedPackets: number;
    /** Received packets of screen shares, which the bot does not decode. */
    screenPackets: number;
    /** Receive mids the SFU last said it paused to fit the bot's link. */
    pausedVideos: string[];
  };
}

/** Who the bot has seen: those in the room now, and those who left, whose streams stay counted. */
export interface SeenParticipants {
  readonly present: ReadonlyMap<ParticipantId, Participant>;
  readonly departed: ReadonlyMap<ParticipantId, Participant>;
  /** The MLS group's members: a display name is the group's, never the server's word. */
  readonly members: readonly { leaf: number; displayName: string }[];
}

/** What was received, per remote participant, with the name its leaf has in the group. */
export function receivedStats(
  media: BotMediaStats | null,
  seen: SeenParticipants,
): BotStats["received"] {
  const received: BotStats["received"] = {};
  for (const [id, remote] of Object.entries(media?.remote ?? {})) {
    const pid = id as ParticipantId;
    const who = seen.present.get(pid) ?? seen.departed.get(pid);
    const leaf = who?.leaf;
    const member =
      leaf === null || leaf === undefined ? undefined : seen.members.find((r) => r.leaf === leaf);
    received[id] = {
      name: member?.displayName ?? null,
      present: seen.present.has(pid),
      ...remote,
    };
  }
  return received;
}
