/**
 * The meeting's signalling connection, one attempt at a time: opens the socket, asks to join with
 * the link we hold (and our held place after a drop, docs/protocol.md "Reconnecting"), waits for
 * the server's answer, runs what arrives one message at a time, and times the next attempt.
 */
import {
  type ClientMessage,
  type InviteLink,
  inviteFragment,
  type ParticipantId,
  PROTOCOL_VERSION,
  receivedAfter,
  replacedLink,
  type ServerMessage,
} from "@conclave/protocol";
import type { KnockLink } from "./room-link.ts";
import { Signalling } from "./signalling.ts";

/** How we come in: with the invite secret, or asking to join with a knock link. */
export type MeetingAccess = InviteLink | KnockLink;

export interface ConnectionEvents {
  /** A message of the current connection; handled one at a time, in order. */
  message(message: ServerMessage): Promise<void>;
  /** The server could not be reached, the socket closed, or the join went unanswered. */
  lost(cause: "unreachable" | "closed" | "unanswered"): void;
  /** A queued task of the current connection failed. */
  failed(error: unknown): void;
}

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];
/** After a drop from a joined meeting the first attempt comes at once: our place is held. */
const FIRST_RECONNECT_MS = 150;
/** A server that accepted the socket but does not answer `join` is treated as unreachable. */
const WELCOME_TIMEOUT_MS = 10_000;

/**
 * How long to wait before attempt `attempt + 1`: at once after a drop (`attempt` is 0 then), else
 * backing off from 1 s to 15 s; jittered by ±20% so a restarted server is not met by everyone at
 * the same moment.
 */
export function retryDelay(attempt: number, dropped: boolean, random = Math.random): number {
  const step = Math.min(Math.max(attempt - 1, 0), BACKOFF_MS.length - 1);
  const delay = dropped ? FIRST_RECONNECT_MS : (BACKOFF_MS[step] ?? 15000);
  return Math.round(delay * (0.8 + random() * 0.4));
}

export class MeetingConnection {
  private signalling: Signalling | null = null;
  private queue: Promise<void> = Promise.resolve();
  private welcomeTimer: ReturnType<typeof setTimeout> | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** Our place in the meeting, to take back after a drop. */
  private resume: { participantId: ParticipantId; token: string } | null = null;
  /** Delivery Service messages our place received (docs/protocol.md "Reconnecting"). */
  private received = 0;

  constructor(
    private link: MeetingAccess,
    private readonly name: string,
    private readonly events: ConnectionEvents,
  ) {}

  /** How we came in; after "remove and block" replaced the secret, the new link. */
  get access(): MeetingAccess {
    return this.link;
  }

  /** Server messages that failed validation on the current connection (diagnostics). */
  get invalidMessages(): number {
    return this.signalling?.invalidMessages ?? 0;
  }

  /**
   * Our engine derived the new invite secret after "remove and block" (docs/e2ee.md "Replacing
   * the invite link"): the address bar, Copy link and any rejoin use the new link from now on, and
   * the server learns to turn the old one to knocking. Every member holding the secret says so;
   * the server takes the first and ignores the rest. False if we hold no invite link.
   */
  async adoptSecret(secret: string): Promise<boolean> {
    const old = this.link;
    if (!("secret" in old)) return false;
    const next = await replacedLink(old, secret);
    if (next?.linkKey === undefined) return false;
    this.link = next;
    if (location.pathname.replace(/\/$/, "") === `/m/${next.roomId}`) {
      history.replaceState(history.state, "", `#${inviteFragment(next)}`);
    }
    this.send({ type: "replace-link", current: old.linkKey ?? old.serverKey, next: next.linkKey });
    return true;
  }

  /** The place the server holds for us, from `welcome` or `admitted`, or our knock's (`lobby`). */
  holdPlace(participantId: ParticipantId, token: string): void {
    this.resume = { participantId, token };
  }

  /**
   * Our engine must join the group with a new leaf, which the server does not take from a place
   * that holds one: leave the place (the members remove its leaf); the next connection is new.
   */
  giveUpPlace(): void {
    this.send({ type: "leave" });
    this.resume = null;
  }

  /**
   * Closes the last connection, opens a new one and asks to join; `keepsMedia`: we still have
   * peer connections, for an ICE restart if the server kept its side of them.
   */
  async open({ keepsMedia = false } = {}): Promise<void> {
    this.close();
    const signalling = new Signalling({
      // A late message from a socket we already replaced must not touch the new connection.
      onMessage: (message) =>
        this.enqueue(async () => {
          if (this.signalling !== signalling) return;
          this.received = receivedAfter(this.received, message);
          await this.events.message(message);
        }, signalling),
      onClose: () => {
        if (this.signalling === signalling) this.events.lost("closed");
      },
    });
    this.signalling = signalling;
    try {
      await signalling.open(Signalling.url(location));
    } catch {
      if (this.signalling === signalling) this.events.lost("unreachable");
      return;
    }
    this.welcomeTimer = setTimeout(() => {
      if (this.signalling === signalling) this.events.lost("unanswered");
    }, WELCOME_TIMEOUT_MS);
    signalling.send(this.joinMessage(keepsMedia));
  }

  /** The server answered our join (`welcome`, or `lobby` for a knock). */
  answered(): void {
    clearTimeout(this.welcomeTimer);
  }

  send(message: ClientMessage): void {
    this.signalling?.send(message);
  }

  /** Gives up on the current socket at once (the browser went offline): reported as lost. */
  abandon(): void {
    this.signalling?.abandon();
  }

  /** The network may have changed: the current socket must prove it still reaches the server. */
  checkAlive(): void {
    this.signalling?.checkAlive();
  }

  /** Calls `next` in `ms` (the meeting's next attempt), unless cancelled. */
  retryIn(ms: number, next: () => void): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(next, ms);
  }

  cancelRetry(): void {
    clearTimeout(this.retryTimer);
  }

  /**
   * Runs message handling one at a time, so offers and answers never interleave. A failure is
   * reported unless it belongs to a connection that has since been replaced.
   */
  enqueue(task: () => Promise<void> | void, owner: Signalling | null = this.signalling): void {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      if (owner === this.signalling) this.events.failed(error);
    });
  }

  /** Ends the current connection and what is queued for it; a scheduled retry still comes. */
  close(): void {
    clearTimeout(this.welcomeTimer);
    this.signalling?.close();
    this.signalling = null;
    this.queue = Promise.resolve();
  }

  private joinMessage(keepsMedia: boolean): ClientMessage {
    const link = this.link;
    return {
      type: "join",
      protocol: PROTOCOL_VERSION,
      roomId: link.roomId,
      // A knock link holds no server key: its holder asks to be let in (docs/protocol.md
      // "Lobby"); after a drop it takes its place back once admitted, like anyone, or waits on in
      // its knock's place while the server still keeps it, else it knocks anew.
      ...("serverKey" in link
        ? { serverKey: link.serverKey, ...(link.linkKey ? { linkKey: link.linkKey } : {}) }
        : { knock: { name: this.name } }),
      ...(this.resume
        ? {
            resume: {
              ...this.resume,
              received: this.received,
              ...(keepsMedia ? { keepsMedia } : {}),
            },
          }
        : {}),
    };
  }
}
