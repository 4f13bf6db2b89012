import type { GroupDelivery } from "@conclave/delivery-service";
import type { ParticipantId, ServerMessage } from "@conclave/protocol";
import type { Attendee, CloseCode } from "./attendee.ts";
import type { Lobby } from "./lobby.ts";
import { LINK_REPLACED_MESSAGE, type MeetingLink } from "./meeting-link.ts";
import type { MeetingRoster } from "./meeting-roster.ts";
import { Refusal } from "./refusal.ts";

/** What the wait needs of its meeting (meeting.ts), which owns all of it. */
export interface WaitingMeeting {
  readonly delivery: GroupDelivery;
  readonly lobby: Lobby;
  readonly link: MeetingLink;
  /** Its connected participants, whether or not in the group yet. */
  readonly attendees: MeetingRoster;
  /** How long a connection may stay outside the group (MLS_JOIN_GRACE_MS); 0 turns it off. */
  readonly graceMs: number;
  /** Lets an attendee go and closes its connection with that error. */
  expel(id: ParticipantId, code: CloseCode, message: string): void;
}

/**
 * Those in a meeting who hold no leaf yet (docs/protocol.md "Lobby", docs/e2ee.md): a joiner with
 * the invite secret between its join and its Add, or kept waiting while the meeting is locked or
 * its lobby mandatory, and the knocks in its lobby. How long each may wait, what they are told
 * when lock or lobby change, and a member turning one away or replacing the link it came with.
 */
export class GroupWait {
  private lastSettings: GroupDelivery["settings"];

  constructor(private readonly meeting: WaitingMeeting) {
    this.lastSettings = meeting.delivery.settings;
  }

  /** What a connection not yet in the group is told about why it may wait. */
  get status(): { locked: boolean; lobbyMandatory: boolean } {
    const { locked, lobbyMandatory } = this.meeting.delivery.settings;
    return { locked, lobbyMandatory };
  }

  /**
   * A connection that never becomes an MLS member only takes up room (docs/e2ee.md); while the
   * meeting is locked or its lobby mandatory it may wait for a host, so the wait starts again.
   */
  start(attendee: Attendee): void {
    const { graceMs, attendees, delivery } = this.meeting;
    if (graceMs <= 0) return;
    attendee.waitForGroup(graceMs, () => {
      if (attendees.get(attendee.id) !== attendee) return;
      if (delivery.leafOf(attendee.id) !== null) return;
      const { locked, lobbyMandatory } = this.status;
      if (locked || lobbyMandatory) this.start(attendee);
      else {
        this.meeting.expel(
          attendee.id,
          "NOT_A_MEMBER",
          "you were not admitted to the meeting in time; join again",
        );
      }
    });
  }

  /** Tells those still waiting when lock or lobby change; closes knocks when knocking stops. */
  followSettings(): void {
    const { delivery, attendees, lobby } = this.meeting;
    const settings = delivery.settings;
    if (settings === this.lastSettings) return;
    this.lastSettings = settings;
    const status: ServerMessage = { type: "room-status", ...this.status };
    for (const attendee of attendees.values()) {
      if (delivery.leafOf(attendee.id) === null) attendee.send(status);
    }
    lobby.followSettings(status);
  }

  /**
   * A member turns away someone waiting: a knock, or a connection not yet in the group. The server
   * cannot tell roles (docs/protocol.md "Lobby"); any member could remove anyone anyway.
   */
  deny(by: Attendee, id: ParticipantId): void {
    this.memberOnly(by, "only members of the group turn a knock away");
    const { lobby, attendees, delivery } = this.meeting;
    const denied = { code: "DENIED", message: "a host did not let you in" } as const;
    const knock = lobby.get(id);
    if (knock) {
      lobby.remove(knock, "denied", denied);
      return;
    }
    if (!attendees.has(id) || delivery.leafOf(id) !== null) {
      throw new Refusal("BAD_MESSAGE", "nobody with that id is waiting");
    }
    attendees.broadcast({ type: "knock-ended", from: id, reason: "denied" });
    this.meeting.expel(id, denied.code, denied.message);
  }

  /** Members made a new link current: connections still waiting with another are closed. */
  linkReplaced(): void {
    const { attendees, delivery, link } = this.meeting;
    for (const attendee of [...attendees.values()]) {
      if (delivery.leafOf(attendee.id) === null && !link.holds(attendee.linkDigest)) {
        this.meeting.expel(attendee.id, "LINK_REPLACED", LINK_REPLACED_MESSAGE);
      }
    }
  }

  /** Refuses `attendee`'s request with NOT_A_MEMBER unless it holds a leaf. */
  memberOnly(attendee: Attendee, refusal: string): void {
    if (this.meeting.delivery.leafOf(attendee.id) === null) {
      throw new Refusal("NOT_A_MEMBER", refusal);
    }
  }
}
