import type { InviteKeys, MlsPolicy } from "@conclave/e2ee";
import {
  type ErrorCode,
  type IceServer,
  type InviteLink,
  inviteFragment,
  isDeliveryMessage,
  isFinalError,
  type Participant,
  type ParticipantId,
  PROTOCOL_VERSION,
  replacedLink,
  type ServerMessage,
  type SubscribedTrack,
} from "@conclave/protocol";
import { MediaStreamTrack, RTCPeerConnection } from "werift";
import { type Clip, loadShippedClip } from "./clip.ts";
import { BotE2ee, type BotE2eeStats } from "./e2ee.ts";
import { BotError, ServerRefusedError } from "./errors.ts";
import { parseMeetingLink } from "./meeting-link.ts";
import { botPeerConfig } from "./peer-config.ts";
import { ClipPublisher, type PublisherCounters } from "./publisher.ts";
import type { RemoteStats } from "./receive-ledger.ts";
import { SignallingSocket } from "./signalling.ts";
import { Subscriber } from "./subscriber.ts";
import { TypedEvents } from "./typed-events.ts";

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
}

export interface BotEvents {
  "participant-joined": [participant: Participant];
  "participant-updated": [participant: Participant];
  "participant-left": [id: ParticipantId, reason: "left" | "disconnected"];
  /** An `error` from the server after joining: the bot goes on. */
  "server-error": [code: ErrorCode, message: string];
  /** The signalling socket closed; `expected` is false unless leave() or close() did it. */
  closed: [code: number, reason: string, expected: boolean];
  /** Connected again after a drop; `resumed` says whether the server gave our place back. */
  reconnected: [resumed: boolean];
}

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
  };
}

/** Back-off between reconnection attempts; the last step repeats. */
const RECONNECT_DELAYS_MS = [100, 250, 500, 1000, 2000];
/** No frame (ping included) from the server for this long: the connection is dead. */
const SILENCE_LIMIT_MS = 6000;

/** Errors about MLS messages the engine sent: the engine handles them; they refuse no request. */
const MLS_ERRORS: ReadonlySet<string> = new Set(["GROUP_EXISTS", "NOT_A_MEMBER", "BAD_MLS"]);

type Pending = {
  resolve: (message: ServerMessage) => void;
  reject: (error: Error) => void;
  types: readonly ServerMessage["type"][];
};

/**
 * A headless participant: the same protocol and the same two peer connections as a browser
 * (docs/protocol.md). Create with joinBot().
 */
export class Bot extends TypedEvents<BotEvents> {
  private _id: ParticipantId | null = null;
  private readonly roster = new Map<ParticipantId, Participant>();
  private readonly departed = new Map<ParticipantId, Participant>();
  private readonly serverErrors: Record<string, number> = {};
  private unexpectedMessages = 0;
  private failedOffers = 0;
  private sendPc: RTCPeerConnection | null = null;
  private resumeToken: string | null = null;
  /** Delivery Service messages our place received, presented when we take it back. */
  private received = 0;
  /** Our engine lost its group state: the next connection joins as someone new. */
  private placeGivenUp = false;
  /** TURN relays with our credential, from the last `welcome`. */
  private iceServers: readonly IceServer[] = [];
  private subscriber: Subscriber | null = null;
  private e2ee: BotE2ee | null = null;
  private publisher: ClipPublisher | null = null;
  private socket: SignallingSocket | null = null;
  private pending: Pending | null = null;
  /** Offers are answered one at a time, in order. */
  private offers: Promise<void> = Promise.resolve();
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
    private readonly clip: Clip | null,
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

  get participants(): readonly Participant[] {
    return [...this.roster.values()];
  }

  /** @internal use joinBot() */
  static async join(options: BotOptions): Promise<Bot> {
    const link = await parseMeetingLink(options.url);
    const publish = options.publish ?? true;
    const clip = publish ? (options.clip ?? (await loadShippedClip())) : null;
    const bot = new Bot(options, { url: link.signallingUrl, invite: link }, clip);
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
      await bot.connect();
    } catch (error) {
      bot.close();
      throw error;
    }
    return bot;
  }

  /** One connection: join (or resume our place), then publish. Resolves with `resumed`. */
  private async connect(): Promise<boolean> {
    const timeoutMs = this.options.timeoutMs ?? 15_000;
    const e2ee = this.e2ee;
    if (!e2ee) throw new BotError("USAGE", "no E2EE engine");
    const socket = await SignallingSocket.connect(
      this.link.url,
      {
        // A late event of a replaced socket must not touch the new connection.
        message: (m) => this.socket === socket && this.onMessage(m),
        close: (code, reason) => this.socket === socket && this.onClose(code, reason),
      },
      { timeoutMs, silenceLimitMs: SILENCE_LIMIT_MS },
    );
    this.socket = socket;
    const resume =
      this._id && this.resumeToken && !this.placeGivenUp
        ? { participantId: this._id, token: this.resumeToken, received: this.received }
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
    const welcome = await this.expect(["welcome"], timeoutMs);
    if (welcome.type !== "welcome") throw new BotError("NEGOTIATION_FAILED", "expected welcome");
    this._id = welcome.selfId;
    this.resumeToken = welcome.resumeToken;
    this.iceServers = welcome.iceServers;
    this.roster.clear();
    for (const p of welcome.participants) this.roster.set(p.id, p);
    e2ee.receive(welcome);
    await this.publish(e2ee, timeoutMs);
    return welcome.resumed;
  }

  private peerConfig() {
    return botPeerConfig(this.iceServers, this.options.relayOnly ?? false);
  }

  private async publish(e2ee: BotE2ee, timeoutMs: number): Promise<void> {
    const clip = this.clip;
    const sendPc = new RTCPeerConnection(this.peerConfig());
    this.sendPc = sendPc;
    // docs/protocol.md §Publish: two sendonly transceivers, audio then video (the bot shares no
    // screen, so it leaves out the optional screen pair); without tracks when not publishing, which the server accepts like a browser with camera and mic off.
    const audioTrack = clip ? new MediaStreamTrack({ kind: "audio" }) : null;
    const videoTrack = clip ? new MediaStreamTrack({ kind: "video" }) : null;
    sendPc.addTransceiver(audioTrack ?? "audio", { direction: "sendonly" });
    const video = sendPc.addTransceiver(videoTrack ?? "video", { direction: "sendonly" });
    if (clip && audioTrack && videoTrack) {
      // The sealer is the meeting's, not the connection's: SFrame counters carry on after a
      // reconnection, so no (KID, counter) is ever used twice.
      const publisher = new ClipPublisher(clip, audioTrack, videoTrack, (kind, frame) =>
        e2ee.seal(kind, frame),
      );
      this.publisher = publisher;
      video.sender.onPictureLossIndication.subscribe(() => publisher.requestKeyframe());
      // Packets written before DTLS is up are dropped by werift: start the clock when connected.
      sendPc.connectionStateChange.subscribe((state) => {
        if (state === "connected") publisher.start();
      });
    }
    await sendPc.setLocalDescription(await sendPc.createOffer());
    const offer = await this.completeSdp(sendPc, timeoutMs);
    this.socket?.send({ type: "publish", sdp: offer });
    const answer = await this.expect(["publish-answer"], timeoutMs);
    if (answer.type !== "publish-answer")
      throw new BotError("NEGOTIATION_FAILED", "expected answer");
    await sendPc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    this.socket?.send({ type: "media-state", audio: clip !== null, video: clip !== null });
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
    await this.closeConnectionMedia();
    for (let attempt = 0; !this.ending; attempt++) {
      try {
        const resumed = await this.connect();
        this.emit("reconnected", resumed);
        return;
      } catch (error) {
        if (error instanceof ServerRefusedError && isFinalError(error.serverCode)) {
          this.closedForGood = true;
          await this.shutdownMedia();
          return;
        }
        this.socket?.terminate();
        await this.closeConnectionMedia();
        const delay = RECONNECT_DELAYS_MS[Math.min(attempt, RECONNECT_DELAYS_MS.length - 1)];
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * Waits for ICE gathering so the SDP carries our candidates: simpler than trickling, and on a
   * server that answers from its own full SDP nothing is lost by waiting (host candidates only).
   */
  private async completeSdp(pc: RTCPeerConnection, timeoutMs: number): Promise<string> {
    await gatheringComplete(pc, timeoutMs);
    const sdp = pc.localDescription?.sdp;
    if (!sdp) throw new BotError("NEGOTIATION_FAILED", "no local description");
    return sdp;
  }

  /** Resolves with the next message of one of `types`; an `error` from the server rejects. */
  private expect(
    types: readonly ServerMessage["type"][],
    timeoutMs: number,
  ): Promise<ServerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new BotError("CONNECTION_FAILED", `no ${types.join("/")} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending = {
        types,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
    });
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
    // Counted as they arrive: a new place counts from its welcome, a resumed one carries on.
    if (isDeliveryMessage(message)) this.received++;
    else if (message.type === "welcome" && !message.resumed) this.received = 0;
    // The MLS engine sees everything; it ignores what it does not use.
    if (message.type !== "welcome") this.e2ee?.receive(message);
    const pending = this.pending;
    const refusal = message.type === "error" && !MLS_ERRORS.has(message.code);
    if (pending && (pending.types.includes(message.type) || refusal)) {
      this.pending = null;
      if (message.type === "error")
        pending.reject(new ServerRefusedError(message.code, message.message));
      else pending.resolve(message);
      return;
    }
    switch (message.type) {
      case "subscribe-offer":
        this.offers = this.offers.then(() => this.answerOffer(message.sdp, message.tracks));
        return;
      case "participant-joined":
        this.roster.set(message.participant.id, message.participant);
        this.emit("participant-joined", message.participant);
        return;
      case "participant-updated":
        this.roster.set(message.participant.id, message.participant);
        this.emit("participant-updated", message.participant);
        return;
      case "participant-left": {
        const gone = this.roster.get(message.id);
        if (gone) this.departed.set(message.id, gone);
        this.roster.delete(message.id);
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

  private async answerOffer(sdp: string, tracks: readonly SubscribedTrack[]): Promise<void> {
    if (this.ending || this.mediaClosed) return;
    try {
      this.subscriber ??= new Subscriber(
        new RTCPeerConnection(this.peerConfig()),
        (publisher) => this.socket?.send({ type: "keyframe-request", participantId: publisher }),
        (track, frame) => this.e2ee?.open(track, frame),
      );
      await this.subscriber.answer(sdp, tracks);
      const answer = await this.completeSdp(this.subscriber.pc, 10_000);
      this.socket?.send({ type: "subscribe-answer", sdp: answer });
    } catch {
      // The server waits for an answer before its next offer; without one the bot receives
      // nothing new. Record it where stats() shows it.
      this.failedOffers++;
    }
  }

  private onClose(code: number, reason: string): void {
    const expected = this.ending;
    this.pending?.reject(
      new BotError("CONNECTION_FAILED", `server closed the connection (${code})`),
    );
    this.pending = null;
    // Only a bot that was in the meeting reconnects; a failed first join is the caller's.
    const again = this.options.reconnect || this.placeGivenUp;
    if (!expected && !this.closedForGood && again && this.resumeToken) {
      void this.reconnect();
    } else void this.shutdownMedia();
    this.emit("closed", code, reason, expected);
  }

  stats(): BotStats {
    const received: BotStats["received"] = {};
    for (const [id, remote] of Object.entries(this.subscriber?.stats() ?? {})) {
      const pid = id as ParticipantId;
      const who = this.roster.get(pid) ?? this.departed.get(pid);
      const leaf = who?.leaf;
      const member =
        leaf === null || leaf === undefined
          ? undefined
          : this.e2ee?.member.roster.find((r) => r.leaf === leaf);
      received[id] = {
        name: member?.displayName ?? null,
        present: this.roster.has(pid),
        ...remote,
      };
    }
    return {
      id: this._id ?? "",
      name: this.options.name,
      state: this.socket?.isOpen && !this.ending ? "joined" : "closed",
      uptimeSeconds: Math.round((performance.now() - this.startedMs) / 100) / 10,
      sendConnection: this.sendPc?.connectionState ?? "none",
      receiveConnection: this.subscriber?.pc.connectionState ?? "none",
      sent: this.publisher ? { ...this.publisher.counters } : null,
      e2ee: this.e2ee?.stats() ?? null,
      participants: [...this.roster.values()],
      received,
      signalling: {
        invalidMessages: this.socket?.invalidMessages ?? 0,
        unexpectedMessages: this.unexpectedMessages,
        serverErrors: { ...this.serverErrors },
        failedOffers: this.failedOffers,
        unmappedPackets: this.subscriber?.unmappedPackets ?? 0,
        screenPackets: this.subscriber?.screenPackets ?? 0,
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
    this.publisher?.stop();
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
      await this.closeConnectionMedia();
    })();
    return this.mediaClosed;
  }

  /** Closes this connection's peer connections; each only once (werift leaks ICE sockets when
   * close() runs twice at once). */
  private async closeConnectionMedia(): Promise<void> {
    const { publisher, subscriber, sendPc } = this;
    this.publisher = null;
    this.subscriber = null;
    this.sendPc = null;
    publisher?.stop();
    await Promise.allSettled([subscriber?.close(), sendPc?.close()]);
  }
}

/**
 * Waits for ICE gathering to finish. Not werift's `watch()`: its timer outlives a connection
 * closed meanwhile and kept test processes alive; this one settles on close too.
 */
function gatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  if (pc.signalingState === "closed") {
    return Promise.reject(new BotError("CONNECTION_FAILED", "connection closed"));
  }
  return new Promise((resolve, reject) => {
    const settle = (error?: BotError) => {
      clearTimeout(timer);
      gathering.unSubscribe();
      closing.unSubscribe();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(
      () => settle(new BotError("NEGOTIATION_FAILED", "ICE gathering did not complete")),
      timeoutMs,
    );
    const closed = () => settle(new BotError("CONNECTION_FAILED", "connection closed"));
    // werift's close() moves signalling to "closed", then completes every event.
    const gathering = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === "complete") settle();
    }, closed);
    const closing = pc.signalingStateChange.subscribe((state) => {
      if (state === "closed") closed();
    });
  });
}

/** Joins a meeting as a headless participant; rejects with a BotError (code says why). */
export function joinBot(options: BotOptions): Promise<Bot> {
  return Bot.join(options);
}
