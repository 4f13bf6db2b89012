import { type ClientMessage, PROTOCOL_VERSION, roomIdFromServerKey } from "@conclave/protocol";
import type { Resumption } from "./held-place.ts";
import { type KnockResume, NO_MEETING_MESSAGE, TOKEN_USED_MESSAGE } from "./lobby.ts";
import type { Meeting } from "./meeting.ts";
import { LINK_REPLACED_MESSAGE, linkDigest, type PresentedLink } from "./meeting-link.ts";
import type { Forwarding, Meetings } from "./meetings.ts";
import type { JoinBudgets } from "./rate-limit.ts";
import { Refusal } from "./refusal.ts";

export type JoinMessage = Extract<ClientMessage, { type: "join" }>;

/** Where the gate sends a join: into the meeting (perhaps taking back a held place), or its lobby. */
export type Admission =
  | {
      readonly kind: "join";
      readonly meeting: Meeting;
      readonly resumption: Resumption | undefined;
      readonly link: PresentedLink | null;
    }
  | {
      readonly kind: "knock";
      readonly meeting: Meeting;
      readonly name: string;
      /** A knocker coming back: the knock it presents the token of, to wait on in its place. */
      readonly resume?: KnockResume;
    };

export interface GateContext {
  readonly meetings: Meetings;
  readonly budgets: JoinBudgets;
  readonly maxParticipants: number;
  readonly isDraining: () => boolean;
  /** The forwarding thread is saturated (event-loop-load.ts): no one new may join. */
  readonly isOverloaded: () => boolean;
}

const refuse = (code: Refusal["code"], message: string) => new Refusal(code, message);
const busy = () =>
  refuse("SERVER_BUSY", "the server is at capacity right now; try again in a few minutes");

/**
 * The part of the gate that needs no meeting, only the client's address: the protocol version,
 * draining, the server key (wrong keys spend the address's gate-failure budget, never its join
 * budget), the join and knock budgets. The JoinGate runs it in one process; a cluster's primary
 * (cluster/front-connection.ts) runs it before it routes a join to the meeting's worker, so the
 * budgets count per address over the whole machine.
 */
export class FrontGate {
  constructor(
    private readonly ctx: { readonly budgets: JoinBudgets; readonly isDraining: () => boolean },
  ) {}

  arrive(message: JoinMessage): void {
    if (message.protocol !== PROTOCOL_VERSION) {
      throw refuse(
        "UNSUPPORTED_VERSION",
        `this server speaks protocol ${PROTOCOL_VERSION}; reload the page`,
      );
    }
    if (this.ctx.isDraining()) {
      throw refuse("SHUTTING_DOWN", "the server is restarting; try again shortly");
    }
  }

  /**
   * The stateless gate (docs/architecture.md "Links and the gate"): the server key must hash to
   * the room id. An address past its gate-failure budget is refused before any hashing.
   */
  async checkServerKey(message: JoinMessage, key: string, address: string): Promise<void> {
    const failures = this.ctx.budgets.gateFailures;
    if (failures.spent(address)) {
      throw refuse("RATE_LIMITED", "too many wrong meeting links from your network; wait a minute");
    }
    if ((await roomIdFromServerKey(key)) !== message.roomId) {
      failures.take(address);
      throw refuse("GATE_REFUSED", "this meeting link is not valid; ask for the link again");
    }
  }

  takeJoin(address: string): void {
    if (!this.ctx.budgets.joins.take(address)) {
      throw refuse("RATE_LIMITED", "too many attempts to join from your network; wait a minute");
    }
  }

  takeKnock(address: string): void {
    if (!this.ctx.budgets.knocks.take(address)) {
      throw refuse(
        "RATE_LIMITED",
        "too many knocks from your network; wait a minute and try again",
      );
    }
  }
}

/**
 * The join gate (docs/protocol.md "Lifecycle", "Rate limits"): where a `join` goes, or the
 * Refusal that says why not. In order: the protocol version, draining, the server key (wrong keys
 * spend the address's gate-failure budget, never its join budget), the join budget, a held place
 * the resume token opens (a token that already opened it is refused), the server's load (only a
 * held place is taken back while it is overloaded), the link in force, the meeting's size, and
 * the rooms cap when the join opens the meeting. A knock spends the knock budget and goes to the
 * meeting's lobby, unless overloaded; with a resume token that opens no place, to its knock there
 * if the token opens one (lobby.ts).
 */
export class JoinGate {
  private readonly front: FrontGate;

  constructor(private readonly ctx: GateContext) {
    this.front = new FrontGate(ctx);
  }

  /**
   * `stillWaiting` says, after the server key was checked (asynchronously), whether the
   * connection is still there to join; if not, nothing is opened and the answer is null.
   */
  async admit(
    message: JoinMessage,
    address: string,
    stillWaiting: () => boolean,
    /** With Redis: a meeting another live node runs throws OwnedElsewhere (meetings.ts). */
    forwarding: Forwarding | null = null,
  ): Promise<Admission | null> {
    this.front.arrive(message);
    // A knock with a resume token is an admitted knocker whose connection dropped.
    if (message.knock && !message.resume) {
      return this.knock(message, message.knock.name, address, forwarding);
    }
    if (message.serverKey) await this.front.checkServerKey(message, message.serverKey, address);
    if (!stillWaiting()) return null;
    this.front.takeJoin(address);
    const { resume, roomId } = message;
    const meeting = await this.ctx.meetings.claim(roomId, address, undefined, forwarding);
    if (!stillWaiting()) return null;
    if (resume) meeting?.handOver(resume.participantId, resume.token);
    const resumption = resume && meeting?.resumption(resume);
    // A token opens its place once: presented again, it is refused rather than seated as new.
    if (resume && !resumption && meeting?.tokenUsed(resume.participantId, resume.token)) {
      throw refuse("RESUME_TOKEN_USED", TOKEN_USED_MESSAGE);
    }
    // Someone new would add media to forward; a member taking back its place adds nothing.
    if (!resumption && this.ctx.isOverloaded()) throw busy();
    // No place to take back: a knocker waits on in its knock if the token opens one (lobby.ts),
    // else asks again.
    if (message.knock && !resumption) {
      return this.knock(message, message.knock.name, address, forwarding, resume);
    }
    const link = message.serverKey
      ? { digest: linkDigest(message.linkKey ?? message.serverKey), replaced: !!message.linkKey }
      : null;
    if (!meeting) {
      const opened = await this.ctx.meetings.claim(roomId, address, { link }, forwarding);
      if (!opened) return null;
      if (stillWaiting()) return { kind: "join", meeting: opened, resumption, link };
      opened.closeIfEmpty();
      return null;
    }
    // A member's own place outlives a link replaced while it was away: its token is enough.
    if (!resumption && link !== null && !meeting.link.admits(link)) {
      throw refuse("LINK_REPLACED", LINK_REPLACED_MESSAGE);
    }
    if (!resumption && meeting.size >= this.ctx.maxParticipants) {
      throw refuse("ROOM_FULL", `this meeting is full (${this.ctx.maxParticipants} people)`);
    }
    return { kind: "join", meeting, resumption, link };
  }

  /** `join` with a knock: only a lobby place, in a meeting that exists (lobby.ts checks the rest). */
  private async knock(
    message: JoinMessage,
    name: string,
    address: string,
    forwarding: Forwarding | null,
    resume?: KnockResume,
  ): Promise<Admission> {
    if (this.ctx.isOverloaded()) throw busy();
    this.front.takeKnock(address);
    const meeting = await this.ctx.meetings.claim(message.roomId, address, undefined, forwarding);
    if (!meeting) {
      throw refuse("NO_MEETING", NO_MEETING_MESSAGE);
    }
    return { kind: "knock", meeting, name, ...(resume ? { resume } : {}) };
  }
}
