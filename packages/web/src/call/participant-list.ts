/**
 * The people in the call as this page shows them: the server's list of participants, those whose
 * connection dropped while the server holds their place, and the tracks the receiving connection
 * carries, each named from the MLS roster (remote-participants.ts), never by the server.
 */
import type { Participant, ParticipantId } from "@conclave/protocol";
import type { RosterEntry } from "../worker/reports.ts";
import type { NoticeKind } from "./announcements.ts";
import type { ReceivedTracks, RemoteTracks } from "./peer-connections.ts";
import { membersWithoutTile, mergeTracks, type RemoteParticipant } from "./remote-participants.ts";
import { Store } from "./store.ts";

export interface ParticipantListState {
  readonly participants: readonly RemoteParticipant[];
  /** MLS members no listed participant accounts for (DESIGN §7.6): shown, never hidden. */
  readonly membersWithoutTile: readonly RosterEntry[];
}

/** Where the names and tracks come from, read at each change. */
export interface ParticipantSources {
  /** The MLS roster, and which sender leaf each receive mid is bound to (e2ee-worker-client.ts). */
  group(): {
    readonly roster: readonly RosterEntry[];
    readonly bindings: Readonly<Record<string, number>>;
  };
  /** Tracks per remote participant on the receiving connection. */
  tracks(): ReadonlyMap<ParticipantId, RemoteTracks>;
  /** mid → participant and source, as the server's last offer says. */
  mids(): ReceivedTracks;
  /** Receive mids the SFU paused to fit our link. */
  paused(): ReadonlySet<string>;
  /** Dropped connections, for the live region; leaves also as a notice (`kind`). */
  announce(text: string, kind?: NoticeKind): void;
}

/** How long the server holds a dropped participant's place (RECONNECT_WINDOW_MS). */
const RECONNECT_WINDOW_MS = 30_000;

export class ParticipantList extends Store<ParticipantListState> {
  /** As the server lists them (participant-joined, -updated, -left). */
  private listed = new Map<ParticipantId, Participant>();
  /**
   * Participants whose connection dropped, while the server holds their place; `inRoster` once
   * our roster had their leaf (a knock admitted while away is told before its Add is applied).
   */
  private readonly reconnecting = new Map<
    ParticipantId,
    { participant: Participant; since: number; inRoster: boolean }
  >();
  private shown = new Map<ParticipantId, RemoteParticipant>();

  constructor(private readonly sources: ParticipantSources) {
    super({ participants: [], membersWithoutTile: [] });
  }

  /** The server's list, for attributing stats; dropped participants are not on it. */
  get listedByServer(): ReadonlyMap<ParticipantId, Participant> {
    return this.listed;
  }

  /** How many are in the meeting, us included. */
  get count(): number {
    return this.listed.size + 1;
  }

  /** The list `welcome` (or `admitted`) came with. */
  welcome(participants: readonly Participant[]): void {
    this.listed = new Map(participants.map((p) => [p.id, p]));
    this.publish();
  }

  /** Not announced by the server's name: "joined" is said when the MLS roster adds them. */
  joined(participant: Participant): void {
    this.reconnecting.delete(participant.id);
    this.listed.set(participant.id, participant);
    this.publish();
  }

  updated(participant: Participant): void {
    this.listed.set(participant.id, participant);
    this.publish();
  }

  left(id: ParticipantId, reason: "left" | "disconnected"): void {
    const who = this.shown.get(id);
    const participant = this.listed.get(id);
    this.listed.delete(id);
    if (reason === "disconnected" && participant?.leaf != null) {
      // Their place (and MLS leaf) is held: shown as reconnecting, not as gone.
      this.reconnecting.set(id, { participant, since: Date.now(), inRoster: false });
      if (who && who.leaf !== null) {
        this.sources.announce(`${who.name} lost their connection. Reconnecting…`);
      }
    } else if (who && who.leaf !== null) this.sources.announce(`${who.name} left`, "left");
    this.publish();
  }

  /** Merges the server's list with the tracks received, named from the MLS roster. */
  publish(): void {
    const { roster, bindings } = this.sources.group();
    const now = Date.now();
    for (const [id, entry] of this.reconnecting) {
      // Gone for good once the window passed or the group removed their leaf.
      const inGroup = roster.some((r) => r.leaf === entry.participant.leaf && !r.self);
      if (inGroup) entry.inRoster = true;
      if (now - entry.since > RECONNECT_WINDOW_MS || (entry.inRoster && !inGroup)) {
        this.reconnecting.delete(id);
      }
    }
    const listed = new Map(this.listed);
    for (const [id, { participant }] of this.reconnecting) listed.set(id, participant);
    this.shown = mergeTracks(
      listed,
      this.sources.tracks(),
      this.shown,
      { roster, bindings, mids: this.sources.mids() },
      { reconnecting: new Set(this.reconnecting.keys()), paused: this.sources.paused() },
    );
    this.update({
      participants: [...this.shown.values()],
      membersWithoutTile: membersWithoutTile(roster, this.shown.values()),
    });
  }

  /** A connection ended: what it listed goes; the tiles stay until `hide` or the next welcome. */
  forget(): void {
    this.listed.clear();
    this.reconnecting.clear();
    this.shown.clear();
  }

  /** No tiles while we are not in the meeting (retrying, failed, over). */
  hide(): void {
    this.update({ participants: [] });
  }
}
