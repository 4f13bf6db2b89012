import type { InviteKeys, MlsPolicy } from "@conclave/e2ee";
import type { Clip } from "./clip.ts";

/**
 * What a caller of joinBot() chooses: the meeting link and name, whether to publish and what, how
 * long to wait, whether to come back after a drop; and, for tests only, ways to be a participant the
 * meeting must refuse. The bot (bot.ts) reads them; they are part of the package's public face.
 */
export interface BotOptions {
  /** A meeting link, `http(s)://host/m/<roomId>#<secret>`. */
  readonly url: string;
  readonly name: string;
  /** Send the looping clip; false joins as a receive-only participant. */
  readonly publish?: boolean;
  /** Media to publish instead of the shipped clip. */
  readonly clip?: Clip;
  /** How long joining (welcome and publish-answer) may take. */
  readonly timeoutMs?: number;
  /**
   * When the connection drops, connect again and take back our place in the meeting (same
   * participant, same MLS leaf) while the server holds it; default false.
   */
  readonly reconnect?: boolean;
  /**
   * Tests only: keys to prove admission with instead of the link's (e.g. another meeting's): a
   * participant that has the server key but not the invite secret, whom no member may admit.
   */
  readonly inviteKeys?: InviteKeys;
  /**
   * Tests only: a policy the engine checks after Conclave's rules, to refuse what the others
   * accept (a member of another version might), e.g. to make a real rollback.
   */
  readonly policy?: MlsPolicy;
  /**
   * Reach the media server only through the TURN relay the server hands out, as a participant
   * behind a firewall that blocks UDP must: checks that a relay works. Default false.
   */
  readonly relayOnly?: boolean;
  /**
   * Receive as a grid page of this many tiles, its own included, would: say (`view`,
   * docs/protocol.md "View") that it shows the cameras of the first `gridTiles - 1` participants
   * whose camera is on, at a grid cell's size, and again whenever that changes. Unset, it sends
   * no view and every video is forwarded (up to the SFU's pool of m-lines).
   */
  readonly gridTiles?: number;
}
