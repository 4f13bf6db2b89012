import { GroupDelivery, type MlsClientMessage, type Outcome } from "@conclave/delivery-service";
import {
  type MediaSource,
  type ParticipantId,
  PROTOCOL_VERSION,
  type RoomId,
  type ServerMessage,
} from "@conclave/protocol";
import type { Room, ScreenShare } from "@conclave/sfu";
import { type Attendee, type CloseCode, type Connection, newParticipantId } from "./attendee.ts";
import type { Tally } from "./capacity.ts";
import { carryOut, type DeliveryEnds, deliverySteps } from "./delivery-bridge.ts";
import { DeliveryTail } from "./delivery-tail.ts";
import { encoded } from "./encoded-message.ts";
import { GroupWait } from "./group-wait.ts";
import { type Resumption, resumeTokenOpens } from "./held-place.ts";
import { HeldPlaces } from "./held-places.ts";
import { type Knock, Lobby } from "./lobby.ts";
import type { Logger } from "./logger.ts";
import { roomTag } from "./logger.ts";
import {
  abandonMeeting,
  closeMeeting,
  handOffMeeting,
  type MeetingParts,
} from "./meeting-ending.ts";
import { MeetingLink, type PresentedLink } from "./meeting-link.ts";
import type { MeetingRecord, RecordState } from "./meeting-record.ts";
import { MeetingRoster } from "./meeting-roster.ts";
import { RedeemedTokens } from "./redeemed-tokens.ts";
import { Refusal } from "./refusal.ts";
import { seatAttendee } from "./seating.ts";
import { iceServersFor, type TurnRelay } from "./turn-relay.ts";

/** What every meeting on a server shares. */
export interface MeetingOptions {
  /** How long a dropped member's place, or a dropped knock, is held; 0 turns it off. */
  readonly reconnectWindowMs: number;
  /** Close connections not in the MLS group after this long; 0 turns it off. */
  readonly mlsJoinGraceMs: number;
  /** The server's held-bytes tally (capacity.ts): every held place counts against it. */
  readonly heldBytes: Tally;
  /** The TURN relay whose credentials each participant gets (turn-relay.ts); null for none. */
  readonly turn: TurnRelay | null;
  readonly log: Logger;
}

/**
 * One meeting: the aggregate that owns everything of it that lives on the server. Its attendees
 * (connected participants, each with its media peer: meeting-roster.ts), the places held for
 * members who dropped (held-places.ts), the lobby, the wait of those not in the group yet
 * (group-wait.ts), the link in force, the MLS Delivery Service (whose decisions
 * delivery-bridge.ts carries out), and its room on the SFU. People come and go through its
 * methods; `close()` closes all it owns (the registry, meetings.ts, closes it once nobody is left).
 */
export class Meeting {
  /** The room's MLS Delivery Service: it orders commits and follows the roster, with no key. */
  readonly delivery: GroupDelivery;
  readonly lobby: Lobby;
  readonly link: MeetingLink;
  /** Connected participants, and who hears what (meeting-roster.ts). */
  private readonly attendees: MeetingRoster;
  /** Places of members whose connection dropped, kept for the reconnection window. */
  private readonly held: HeldPlaces;
  /** The resume tokens each place already redeemed: presented again, they are refused. */
  private readonly redeemed = new RedeemedTokens();
  /** What carrying out the Delivery Service's steps acts on (delivery-bridge.ts). */
  private readonly ends: DeliveryEnds;
  /** Those here who hold no leaf yet: their wait, their status, turning them away. */
  private readonly wait: GroupWait;
  private closed = false;

  constructor(
    readonly id: RoomId,
    private readonly media: Room,
    opener: PresentedLink | null,
    private readonly options: MeetingOptions,
    /** Told once, when it closes. */
    private readonly onClose: () => void,
    /** Where it writes what another node needs to carry it on (Redis); null on one machine. */
    private readonly record: MeetingRecord | null = null,
  ) {
    const restored = record?.restored ?? null;
    this.delivery = restored?.delivery
      ? GroupDelivery.restore(restored.delivery)
      : new GroupDelivery();
    this.attendees = new MeetingRoster(this.delivery);
    this.link = new MeetingLink(
      restored?.link ? { digest: restored.link, replaced: true } : opener,
    );
    this.lobby = new Lobby(this, {
      record,
      redeemed: this.redeemed,
      reconnectWindowMs: options.reconnectWindowMs,
    });
    this.wait = new GroupWait({
      delivery: this.delivery,
      lobby: this.lobby,
      link: this.link,
      attendees: this.attendees,
      graceMs: options.mlsJoinGraceMs,
      expel: (id, code, message) => this.expel(id, code, message),
    });
    this.held = new HeldPlaces(id, options, (released) => {
      this.media.removePeer(released);
      this.delivery.disconnect(released);
      this.redeemed.forget(released);
      this.record?.gone(released);
      this.closeIfEmpty();
    });
    if (restored) {
      for (const place of this.held.takeOver(restored.places, this.delivery)) {
        this.redeemed.restore(place.id, place.redeemed);
      }
      this.lobby.restore(restored.knocks.filter((k) => this.delivery.leafOf(k.id) === null));
    }
    this.ends = {
      delivery: this.delivery,
      lobby: this.lobby,
      held: this.held,
      attendee: (id) => this.attendees.get(id),
      admit: (knock) => this.admit(knock),
      announce: (attendee) => this.attendees.announce(attendee),
      expel: (id, code, message) => this.expel(id, code, message),
      followSettings: () => this.wait.followSettings(),
    };
  }

  /** Connected participants and held places: both take room in the meeting. */
  get size(): number {
    return this.attendees.size + this.held.size;
  }

  /** Connected participants, whether or not in the group yet. */
  get present(): number {
    return this.attendees.size;
  }

  /** What a connection not yet in the group is told about why it may wait. */
  get waitingStatus(): { locked: boolean; lobbyMandatory: boolean } {
    return this.wait.status;
  }

  /**
   * The held place `resume` names, if it can be taken back (held-places.ts). It is taken at once,
   * and its token counts as used from now on: of two presentations of one token, only the first
   * gets the place, however close together they come.
   */
  resumption(resume: {
    participantId: ParticipantId;
    token: string;
    received: number;
    keepsMedia?: boolean | undefined;
  }): Resumption | undefined {
    const resumption = this.held.resumption(resume);
    if (resumption) {
      this.held.taken(resumption.place);
      this.redeemed.redeem(resume.participantId, resumption.place.digest);
    }
    return resumption;
  }

  /** Whether `token` already took back `participantId`'s place (redeemed-tokens.ts). */
  tokenUsed(participantId: ParticipantId, token: string): boolean {
    return this.redeemed.used(participantId, token);
  }

  /**
   * A new connection of the same client presents `token`: if the attendee `id` holds it, that
   * connection was given up already (its network changed, say) and is dropped, so its place is
   * held for the new one.
   */
  handOver(id: ParticipantId, token: string): void {
    const attendee = this.attendees.get(id);
    if (attendee && resumeTokenOpens(token, attendee.resumeDigest)) attendee.connection.drop();
  }

  /**
   * Seats a joiner with the server key (join-gate.ts let it through): a new participant, or one
   * taking back its held `place`. It gets `welcome`, then what was kept for it, in order, before
   * anything new; the others hear of it.
   */
  join(
    connection: Connection,
    resumption: Resumption | undefined,
    link: PresentedLink | null,
  ): Attendee {
    const place = resumption?.place;
    const state = place?.participant ?? { id: newParticipantId(), audio: true, video: true };
    const tail = new DeliveryTail(resumption?.received);
    const { attendee, resumeToken, mediaKept } = seatAttendee(
      this.media,
      this.record,
      connection,
      state,
      {
        linkDigest: link?.digest ?? null,
        tail,
        keepsMedia: resumption?.keepsMedia === true,
        taken: place !== undefined,
        redeemed: this.redeemed.of(state.id),
      },
    );
    this.delivery.connect(attendee.id);
    attendee.send({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      selfId: attendee.id,
      participants: this.attendees.participants(),
      group: this.delivery.state,
      resumed: place !== undefined,
      mediaKept,
      resumeToken,
      iceServers: iceServersFor(this.options.turn, attendee.id),
    });
    for (const raw of resumption ? (place?.take(resumption.received) ?? []) : []) {
      attendee.redeliver(raw);
    }
    this.attendees.enter(attendee);
    const leaf = this.delivery.leafOf(attendee.id);
    if (leaf !== null && place) this.catchUp(attendee);
    if (leaf === null) {
      attendee.send({ type: "room-status", ...this.waitingStatus });
      this.wait.start(attendee);
    }
    this.options.log.info(
      { room: roomTag(this.id), size: this.size, resumed: place !== undefined },
      "participant joined",
    );
    return attendee;
  }

  /** Lets an attendee go: it left, or its connection dropped (then an MLS member's place is held). */
  leave(attendee: Attendee, reason: "left" | "disconnected", holdPlace = true): void {
    if (!this.attendees.remove(attendee)) return;
    const { id } = attendee;
    attendee.stopWaiting();
    const hold =
      holdPlace &&
      reason === "disconnected" &&
      this.options.reconnectWindowMs > 0 &&
      this.delivery.leafOf(id) !== null;
    // A held place keeps its media peer, so its owner's return is an ICE restart, not a new call.
    if (hold) {
      this.media.holdPeer(id);
      this.held.hold(attendee);
    } else {
      this.media.removePeer(id);
      this.delivery.disconnect(id);
      this.redeemed.forget(id);
      this.record?.gone(id);
    }
    this.broadcast({ type: "participant-left", id, reason });
    this.options.log.info(
      { room: roomTag(this.id), size: this.size, reason, held: hold },
      "participant left",
    );
    this.closeIfEmpty();
  }

  /** Lets an attendee go and closes its connection with that error (not held). */
  expel(id: ParticipantId, code: CloseCode, message: string): void {
    const attendee = this.attendees.get(id);
    if (!attendee) return;
    this.leave(attendee, "disconnected", false);
    attendee.connection.close(code, message);
  }

  /** Relays one MLS message through the Delivery Service; its refusal, if any, is the sender's. */
  relay(from: ParticipantId, message: MlsClientMessage): Outcome["refusal"] {
    const outcome = this.delivery.receive(from, message);
    for (const step of deliverySteps(outcome)) {
      carryOut(step, this.ends);
      // Written once admitted knocks are seated, whose places' logs start empty, so that their
      // Welcome is in their logs; before anything is sent (the record's outbox waits for it).
      if (step.kind === "seat-admitted" && !outcome.refusal) {
        this.record?.delivered(this.recordState(), outcome.deliveries);
      }
    }
    return outcome.refusal;
  }

  /** The attendee's microphone and camera changed: the others are told. */
  updateMedia(attendee: Attendee, audio: boolean, video: boolean): void {
    attendee.state = { ...attendee.state, audio, video };
    this.media.announceMedia(attendee.id, audio, video);
    this.record?.updated(attendee.state);
    this.attendees.announce(attendee);
  }

  requestKeyframe(publisherId: ParticipantId, source: MediaSource): void {
    this.media.requestKeyframe(publisherId, source);
  }

  shareScreen(attendee: Attendee, share: ScreenShare): void {
    this.media.shareScreen(attendee.id, share);
  }

  /** A member turns away someone waiting (group-wait.ts). */
  deny(by: Attendee, id: ParticipantId): void {
    this.wait.deny(by, id);
  }

  /**
   * Members made the new link current (meeting-link.ts); connections still waiting with another
   * link are closed, to knock instead.
   */
  replaceLink(by: Attendee, current: string, next: string, firstLink: boolean): void {
    this.wait.memberOnly(by, "only members of the group replace the link");
    if (!this.link.replace(current, next, firstLink)) {
      throw new Refusal("BAD_MESSAGE", "that is not the meeting's current link");
    }
    this.record?.changed(this.recordState());
    this.wait.linkReplaced();
    this.options.log.info({ room: roomTag(this.id) }, "link replaced");
  }

  broadcast(message: ServerMessage, except?: ParticipantId): void {
    this.attendees.broadcast(message, except);
  }

  /** Participants who hold a leaf: the only ones told about knocks. */
  tellMembers(message: ServerMessage): void {
    this.attendees.tellMembers(message);
  }

  /** Ends the meeting: everything it owns closes, those still connected hear `code`. Idempotent. */
  close(code: CloseCode, message: string): void {
    if (this.closed) return;
    this.closed = true;
    closeMeeting(this.parts, code, message);
  }

  /** This node lost the meeting's lease: it lets go at once (meeting-ending.ts). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    abandonMeeting(this.parts);
  }

  /** This node is going out of service: the meeting moves to another (meeting-ending.ts). */
  async handOff(message: string, closeMs: number): Promise<void> {
    const { record } = this;
    if (this.closed || !record) return;
    this.closed = true;
    await handOffMeeting({ ...this.parts, record }, message, closeMs);
  }

  private get parts(): MeetingParts {
    const { lobby, attendees, held, media, record, onClose } = this;
    return { lobby, attendees, held, media, record, onClose };
  }

  private recordState(): RecordState {
    return { delivery: this.delivery.snapshot(), link: this.link.inForce };
  }

  /**
   * A host's commit gave a knock a leaf: it becomes a participant; its Welcome follows. A knock
   * whose connection is away gets a held place instead, opened by its knock resume token: its
   * Welcome is kept there, and its knocker, back, is seated as a member taking its place back.
   */
  private admit(knock: Knock): void {
    const { id } = knock;
    const state = { id, audio: true, video: true };
    if (!knock.raw) {
      this.held.holdAdmitted(state, knock.digest, knock.address);
      this.record?.seated(state, knock.digest, true, this.redeemed.of(id));
      this.broadcast({ type: "knock-ended", from: id, reason: "admitted" });
      // Listed as a member whose connection dropped: a tile that says so, not a ghost alarm.
      const participant = { ...state, leaf: this.delivery.leafOf(id) };
      this.broadcast({ type: "participant-joined", participant });
      this.broadcast({ type: "participant-left", id, reason: "disconnected" });
      this.options.log.info({ room: roomTag(this.id), size: this.size }, "knock admitted away");
      return;
    }
    const { attendee, resumeToken } = seatAttendee(this.media, this.record, knock.raw, state);
    attendee.send({
      type: "admitted",
      participants: this.attendees.participants(),
      resumeToken,
      iceServers: iceServersFor(this.options.turn, id),
    });
    this.broadcast({ type: "knock-ended", from: id, reason: "admitted" }, id);
    this.attendees.enter(attendee);
    this.options.log.info({ room: roomTag(this.id), size: this.size }, "knock admitted");
  }

  /**
   * A member back from a drop may have missed knocks coming, going away and coming back, and its
   * client forgets the uploads of those the server no longer lists, knocks too: it hears of the
   * knocks waiting, and gets the uploads waiting again, written to its place's log like any.
   */
  private catchUp(attendee: Attendee): void {
    this.lobby.announceTo((m) => attendee.send(m));
    const uploads = this.delivery.waitingFor(attendee.id);
    if (uploads.length === 0) return;
    this.record?.delivered(this.recordState(), uploads);
    for (const { message } of uploads) attendee.deliver(message, encoded(message));
  }

  /** Closes the meeting once nobody is in it or holds a place (a join that opened it went away). */
  closeIfEmpty(): void {
    if (this.size === 0) this.close("NOT_A_MEMBER", "everyone left the meeting");
  }
}
