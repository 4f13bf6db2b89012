import {
  type ErrorCode,
  type IceServer,
  type InviteLink,
  inviteFragment,
  isFinalError,
  type Participant,
  type ParticipantId,
  PROTOCOL_VERSION,
  receivedAfter,
  replacedLink,
  type ServerMessage,
} from "@conclave/protocol";
import { AwaitedReply } from "./awaited-reply.ts";
import { BotMedia } from "./bot-media.ts";
import type { BotOptions } from "./bot-options.ts";
import { type BotStats, receivedStats } from "./bot-stats.ts";
import { loadShippedClip } from "./clip.ts";
import { BotE2ee } from "./e2ee.ts";
import { BotError, ServerRefusedError } from "./errors.ts";
import { type KnockCard, KnockCards } from "./knock-cards.ts";
import { parseMeetingLink } from "./meeting-link.ts";
import { botPeerConfig } from "./peer-config.ts";
import { SignallingSocket } from "./signalling.ts";
import { TypedEvents } from "./typed-events.ts";

export interface BotEvents {
  "participant-joined": [participant: Participant];
  "participant-updated": [participant: Participant];
  "participant-left": [id: ParticipantId, reason: "left" | "disconnected"];
  /** An `error` from the server after joining: the bot goes on. */
  "server-error": [code: ErrorCode, message: string];
  /** The signalling socket closed; `expected` is false unless leave() or close() did it. */
  closed: [code: number, reason: string, expected: boolean];
  /**
   * Connected again after a drop; `resumed` says whether the server gave our place back, and
   * `mediaKept` whether our media connections restarted ICE instead of being made anew.
   */
  reconnected: [resumed: boolean, mediaKept: boolean];
}

/** Back-off between reconnection attempts; the last step repeats. */
const RECONNECT_DELAYS_MS = [100, 250, 500, 1000, 2000];
/** No frame (ping included) from the server for this long: the connection is dead. */
const SILENCE_LIMIT_MS = 6000;

/**
 * A headless participant: the same protocol and the same two peer connections as a browser
 * (docs/protocol.md). Create with joinBot(). This class is its life in the meeting: joining,
 * taking its place back after a drop, giving it up, leaving; the peer connections are BotMedia's
 * (bot-media.ts), the reply it waits for AwaitedReply's (awaited-reply.ts).
 */
export class Bot extends TypedEvents<BotEvents> {
  private _id: ParticipantId | null = null;
  private readonly roster = new Map<ParticipantId, Participant>();
  private readonly departed = new Map<ParticipantId, Participant>();
  private readonly serverErrors: Record<string, number> = {};
  private unexpectedMessages = 0;
  /** Receive mids the SFU paused to fit our link (videos-paused). */
  private pausedVideos: string[] = [];
  /** Knocks waiting, in the order members were told of them, as a host's page lists them. */
  private readonly waitingKnocks = new KnockCards();
  private resumeToken: string | null = null;
  /** Delivery Service messages our place received, presented when we take it back. */
  private received = 0;
  /** Our engine lost its group state: the next connection joins as someone new. */
  private placeGivenUp = false;
  /** TURN relays with our credential, from the last `welcome`. */
  private iceServers: readonly IceServer[] = [];
  private e2ee: BotE2ee | null = null;
  /** Our two peer connections; made with the E2EE engine they encrypt with. */
  private media: BotMedia | null = null;
  private socket: SignallingSocket | null = null;
  /** The one reply we wait for: `welcome` to our join, `publish-answer` to our publish. */
  private readonly reply = new AwaitedReply();
  private ending = false;
  /** The server refused us for good (isFinalError): no reconnecting. */
  private closedForGood = false;
  /** Set by an `error REMOVED`: settles once we know whether a commit really removed us. */
  private removal: Promise<void> = Promise.resolve();
  private mediaClosed: Promise<void> | null = null;
  private readonly startedMs = performance.now();

  private constructor(
    private readonly options: BotOptions,
    /** Where to connect, and the link it joins with: replaced when "remove and block" is. */
    private link: { url: string; invite: InviteLink },
  ) {
    super();
  }

  /** The meeting link in force (a replaced one after "remove and block"), as a page would share it. */
  get meetingLink(): string {
    const url = new URL(this.options.url);
    url.hash = inviteFragment(this.link.invite);
    return url.href;
  }

  /** Like a page: take the new link, and tell the server it is the current one. */
  private async onInviteReplaced(secret: string): Promise<void> {
    const old = this.link.invite;
    const next = await replacedLink(old, secret);
    if (next?.linkKey === undefined) return;
    this.link = { ...this.link, invite: next };
    this.socket?.send({
      type: "replace-link",
      current: old.linkKey ?? old.serverKey,
      next: next.linkKey,
    });
  }

  /** Our participant id, assigned by the server in `welcome`. */
  get id(): ParticipantId {
    if (!this._id) throw new BotError("USAGE", "the bot has not joined");
    return this._id;
  }

  /** This participant's end-to-end encryption, for tests that check what it can decrypt. */
  get crypto(): BotE2ee {
    if (!this.e2ee) throw new BotError("USAGE", "the bot has not joined");
    return this.e2ee;
  }

  /** The knocks waiting in the lobby as a host's page lists them (knock-cards.ts). */
  get knocks(): readonly KnockCard[] {
    return this.waitingKnocks.list;
  }

  get participants(): readonly Participant[] {
    return [...this.roster.values()];
  }

  /** @internal use joinBot() */
  static async join(options: BotOptions): Promise<Bot> {
    const link = await parseMeetingLink(options.url);
    const publish = options.publish ?? true;
    const clip = publish ? (options.clip ?? (await loadShippedClip())) : null;
    const bot = new Bot(options, { url: link.signallingUrl, invite: link });
    try {
      const keys = options.inviteKeys ?? link.inviteKeys;
      bot.e2ee = await BotE2ee.create(
        options.name,
        keys,
        (m) => bot.socket?.send(m),
        options.policy,
      );
      bot.e2ee.member.on("invite-replaced", ({ secret }) => void bot.onInviteReplaced(secret));
      bot.e2ee.member.on("reconnect", () => bot.giveUpPlace());
      bot.media = new BotMedia({
        clip,
        e2ee: bot.e2ee,
        peerConfig: () => bot.peerConfig(),
        send: (m) => bot.socket?.send(m),
        stopped: () => bot.ending || bot.mediaClosed !== null,
        gridTiles: options.gridTiles ?? null,
      });
      await bot.connect();
    } catch (error) {
      bot.close();
      throw error;
    }
    return bot;
  }

  /** One connection: join (or resume our place), then publish. Resolves with what `welcome` said. */
  private async connect(): Promise<{ resumed: boolean; mediaKept: boolean }> {
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    const e2ee = this.e2ee;
    if (!e2ee) throw new BotError("USAGE", "no E2EE engine");
    // A late event of a replaced socket must not touch the new connection; nor may one that
    // arrives with the socket itself (a refusal the server sends as it opens, TOO_MANY_CONNECTIONS),
    // before `socket` is set: it is this connection's, and the join that follows gets the same.
    let socket: SignallingSocket | null = null;
    socket = await SignallingSocket.connect(
      this.link.url,
      {
        message: (m) => socket !== null && this.socket === socket && this.onMessage(m),
        close: (code, reason) =>
          socket !== null && this.socket === socket && this.onClose(code, reason),
      },
      { timeoutMs, silenceLimitMs: SILENCE_LIMIT_MS },
    );
    this.socket = socket;
    const resume =
      this._id && this.resumeToken && !this.placeGivenUp
        ? {
            participantId: this._id,
            token: this.resumeToken,
            received: this.received,
            ...(this.media?.keepsConnection ? { keepsMedia: true } : {}),
          }
        : null;
    this.placeGivenUp = false;
    socket.send({
      type: "join",
      protocol: PROTOCOL_VERSION,
      roomId: this.link.invite.roomId,
      serverKey: this.link.invite.serverKey,
      ...(this.link.invite.linkKey ? { linkKey: this.link.invite.linkKey } : {}),
      ...(resume ? { resume } : {}),
    });
    const welcome = await this.reply.expect(["welcome"], timeoutMs);
    if (welcome.type !== "welcome") throw new BotError("NEGOTIATION_FAILED", "expected welcome");
    this._id = welcome.selfId;
    this.resumeToken = welcome.resumeToken;
    this.iceServers = welcome.iceServers;
    this.roster.clear();
    for (const p of welcome.participants) this.roster.set(p.id, p);
    this.media?.resetView();
    this.media?.showGrid(this.participants);
    e2ee.receive(welcome);
    const negotiate = async (offer: string) => {
      this.socket?.send({ type: "publish", sdp: offer });
      const answer = await this.reply.expect(["publish-answer"], timeoutMs);
      if (answer.type !== "publish-answer") {
        throw new BotError("NEGOTIATION_FAILED", "expected answer");
      }
      return answer.sdp;
    };
    // Without mediaKept the old connections were closed as `welcome` arrived (onMessage).
    if (welcome.mediaKept) await this.media?.restart(timeoutMs, negotiate);
    else await this.media?.publish(timeoutMs, negotiate);
    return { resumed: welcome.resumed, mediaKept: welcome.mediaKept };
  }

  private peerConfig() {
    return botPeerConfig(this.iceServers, this.options.relayOnly ?? false);
  }

  /**
   * The server says REMOVED: only a commit removes a member. If our engine applied one, we are out
   * for good; if not, the server disconnected us and we may come back (docs/e2ee.md "Leaving").
   */
  private async judgeRemoved(): Promise<void> {
    await this.e2ee?.member.idle();
    if (this.e2ee?.member.status === "removed") this.closedForGood = true;
  }

  /** After a drop: connect again with back-off until we are back or told to stop. */
  private async reconnect(): Promise<void> {
    await this.removal;
    if (this.closedForGood) {
      await this.shutdownMedia();
      return;
    }
    // The connections stay for an ICE restart if the server kept its side (connect).
    for (let attempt = 0; !this.ending; attempt++) {
      try {
        const { resumed, mediaKept } = await this.connect();
        this.emit("reconnected", resumed, mediaKept);
        return;
      } catch (error) {
        if (error instanceof ServerRefusedError && isFinalError(error.serverCode)) {
          this.closedForGood = true;
          await this.shutdownMedia();
          return;
        }
        // Ours to end: its close must not start a second reconnection beside this one.
        const failed = this.socket;
        this.socket = null;
        failed?.terminate();
        const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)];
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * The engine must join the group with a new leaf, and the server will not take a KeyPackage
   * from a place that holds one: leave it (the members remove its leaf) and connect as new.
   */
  private giveUpPlace(): void {
    if (this.ending || this.closedForGood || !this.socket) return;
    this.placeGivenUp = true;
    this.socket.send({ type: "leave" });
    this.socket.terminate();
  }

  private onMessage(message: ServerMessage): void {
    this.received = receivedAfter(this.received, message);
    // The MLS engine sees everything; it ignores what it does not use.
    if (message.type !== "welcome") this.e2ee?.receive(message);
    // Connections made anew: the kept ones go at once, before an offer that follows is answered.
    if (message.type === "welcome" && !message.mediaKept) void this.media?.closeConnection();
    if (this.reply.settle(message)) return;
    switch (message.type) {
      case "subscribe-offer":
        this.media?.offer(message.sdp, message.tracks);
        return;
      case "videos-paused":
        this.pausedVideos = message.mids;
        return;
      case "knock":
      case "knock-away":
      case "knocks-waiting":
      case "knock-ended":
        this.waitingKnocks.apply(message);
        return;
      case "participant-joined":
        this.roster.set(message.participant.id, message.participant);
        this.media?.showGrid(this.participants);
        this.emit("participant-joined", message.participant);
        return;
      case "participant-updated":
        this.roster.set(message.participant.id, message.participant);
        this.media?.showGrid(this.participants);
        this.emit("participant-updated", message.participant);
        return;
      case "participant-left": {
        const gone = this.roster.get(message.id);
        if (gone) this.departed.set(message.id, gone);
        this.roster.delete(message.id);
        this.media?.showGrid(this.participants);
        this.emit("participant-left", message.id, message.reason);
        return;
      }
      case "error":
        // REMOVED counts only with the commit that removed us (judgeRemoved).
        if (message.code === "REMOVED") this.removal = this.judgeRemoved();
        else if (isFinalError(message.code)) this.closedForGood = true;
        this.serverErrors[message.code] = (this.serverErrors[message.code] ?? 0) + 1;
        this.emit("server-error", message.code, message.message);
        return;
      case "welcome":
      case "publish-answer":
      case "pong":
        // Not asked for: the server is out of step with us. Count it; act on nothing.
        this.unexpectedMessages++;
        return;
    }
  }

  private onClose(code: number, reason: string): void {
    const expected = this.ending;
    this.reply.fail(new BotError("CONNECTION_FAILED", `server closed the connection (${code})`));
    this.e2ee?.member.connectionLost();
    // Only a bot that was in the meeting reconnects; a failed first join is the caller's.
    const again = this.options.reconnect || this.placeGivenUp;
    if (!expected && !this.closedForGood && again && this.resumeToken) {
      void this.reconnect();
    } else void this.shutdownMedia();
    this.emit("closed", code, reason, expected);
  }

  stats(): BotStats {
    const media = this.media?.stats() ?? null;
    const members = this.e2ee?.member.roster ?? [];
    return {
      id: this._id ?? "",
      name: this.options.name,
      state: this.socket?.isOpen && !this.ending ? "joined" : "closed",
      uptimeSeconds: Math.round((performance.now() - this.startedMs) / 100) / 10,
      sendConnection: media?.sendConnection ?? "none",
      receiveConnection: media?.receiveConnection ?? "none",
      sent: media?.sent ?? null,
      e2ee: this.e2ee?.stats() ?? null,
      participants: [...this.roster.values()],
      received: receivedStats(media, { present: this.roster, departed: this.departed, members }),
      signalling: {
        invalidMessages: this.socket?.invalidMessages ?? 0,
        unexpectedMessages: this.unexpectedMessages,
        serverErrors: { ...this.serverErrors },
        failedOffers: media?.failedOffers ?? 0,
        unmappedPackets: media?.unmappedPackets ?? 0,
        screenPackets: media?.screenPackets ?? 0,
        pausedVideos: [...this.pausedVideos],
      },
    };
  }

  /**
   * Says goodbye to the group (signed, so members remove our leaf at once), then `leave` to the
   * server; waits for the server to close the socket, then closes the media.
   */
  async leave(): Promise<void> {
    if (this.ending) return;
    this.ending = true;
    this.media?.stopPublishing();
    await this.e2ee?.member.leave();
    if (this.socket?.send({ type: "leave" })) await this.socket.closeGracefully();
    await this.shutdownMedia();
  }

  /** Drops everything at once without a word to the server, as a crashed client would. */
  close(): void {
    this.ending = true;
    this.socket?.terminate();
    void this.shutdownMedia();
  }

  /** Closes both connections once for good, and the E2EE engine with them. */
  private shutdownMedia(): Promise<void> {
    this.mediaClosed ??= (async () => {
      this.e2ee?.close();
      await this.media?.closeConnection();
    })();
    return this.mediaClosed;
  }
}

/** Joins a meeting as a headless participant; rejects with a BotError (code says why). */
export function joinBot(options: BotOptions): Promise<Bot> {
  return Bot.join(options);
}
