import {
  type ErrorCode,
  type InviteLink,
  inviteFragment,
  isFinalError,
  type MediaSource,
  type Participant,
  type ParticipantId,
  PROTOCOL_VERSION,
  replacedLink,
  type ServerMessage,
} from "@conclave/protocol";
import type { GroupView, RosterEntry } from "../worker/reports.ts";
import { E2eeWorkerClient } from "./e2ee-worker-client.ts";
import { HostCommands } from "./host-commands.ts";
import { HostControls } from "./host-controls.ts";
import type { LocalMedia, LocalMediaState } from "./local-media.ts";
import {
  type CandidateOut,
  ReceiveConnection,
  type ReceivedTracks,
  SendConnection,
} from "./peer-connections.ts";
import { readReceiveHealth } from "./receive-health.ts";
import { membersWithoutTile, mergeTracks, type RemoteParticipant } from "./remote-participants.ts";
import type { KnockLink } from "./room-link.ts";
import { ScreenShare, type ScreenShareState } from "./screen-share.ts";
import { Signalling } from "./signalling.ts";
import { Store } from "./store.ts";
import { VerifiedPins } from "./verified-pins.ts";
import { VideoWatchdog } from "./video-watchdog.ts";

/**
 * - `connecting`: opening the socket or waiting for `welcome`;
 * - `waiting`: a knock, in the lobby until a host admits it (docs/protocol.md "Lobby");
 * - `joined`: in the meeting;
 * - `retrying`: the server could not be reached (or dropped us); next attempt at `retryAt`;
 * - `failed`: the server refused us for good (`failure` says why);
 * - `left`: the user left;
 * - `removed`: a member's commit removed us; everything is stopped and nothing reconnects.
 * - `ended`: a host ended the meeting for everyone (or we did); as `removed`.
 */
export type { RemoteParticipant } from "./remote-participants.ts";

export type MeetingPhase =
  | "connecting"
  | "waiting"
  | "joined"
  | "retrying"
  | "failed"
  | "left"
  | "removed"
  | "ended";

/** How we come in: with the invite secret, or asking to join with a knock link. */
export type MeetingAccess = InviteLink | KnockLink;

export interface MeetingState {
  readonly phase: MeetingPhase;
  /** Whether we had joined before this connection attempt (so: "reconnecting"). */
  readonly wasJoined: boolean;
  readonly attempt: number;
  readonly retryAt: number | null;
  readonly failure: {
    readonly code: ErrorCode | "UNSUPPORTED_BROWSER";
    readonly message: string;
  } | null;
  /** A non-fatal error from the server, shown until dismissed. */
  readonly notice: string | null;
  readonly selfId: ParticipantId | null;
  readonly participants: readonly RemoteParticipant[];
  /** Text for the live region: joins, leaves, connection changes. */
  readonly announcement: string;
  readonly mediaConnection: RTCPeerConnectionState | "new";
  /** Remote participants whose audio is above a speaking level right now. */
  readonly speaking: readonly ParticipantId[];
  /** MLS members no listed participant accounts for (DESIGN §7.6): shown, never hidden. */
  readonly membersWithoutTile: readonly RosterEntry[];
  /** Why joining the encrypted group failed, with a Retry offered; null while all is well. */
  readonly e2eeFailure: string | null;
  /** Text for the second live region: security code changes. */
  readonly securityAnnouncement: string;
  /** We came with a knock link and no host has admitted us yet. */
  readonly knocking: boolean;
  /** While we wait outside the group: why (server `room-status`); null once we are in. */
  readonly roomStatus: { readonly locked: boolean; readonly lobbyMandatory: boolean } | null;
  /** In phase `ended`: whether we ended it ourselves. */
  readonly endedByUs: boolean;
}

const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000];
/** After a drop from a joined meeting the first attempt comes at once: our place is held. */
const FIRST_RECONNECT_MS = 150;
/** How long the server holds a dropped participant's place (RECONNECT_WINDOW_MS). */
const RECONNECT_WINDOW_MS = 30_000;
/** A server that accepted the socket but does not answer `join` is treated as unreachable. */
const WELCOME_TIMEOUT_MS = 10_000;
/** A participant not in the encrypted group this long after `welcome` is told so (and may retry). */
const E2EE_JOIN_TIMEOUT_MS = 30_000;

const FAILURE_TEXT: Partial<Record<ErrorCode, string>> = {
  GATE_REFUSED: "This meeting link is not valid. Ask the person who invited you for the full link.",
  LINK_REPLACED:
    "The hosts replaced this meeting’s link, so this one no longer lets you in. You can ask to join, and a host can let you in.",
  ROOM_FULL: "This meeting is full.",
  UNSUPPORTED_VERSION: "This page is out of date for the server. Reload the page to update it.",
  DENIED: "A host declined your request to join.",
  KNOCKING_DISABLED:
    "The hosts of this meeting don’t let people ask to join. Ask one of them for an invite link.",
  NO_MEETING:
    "Nobody is in this meeting yet, so there is nobody to let you in. Try again once it has started.",
  RATE_LIMITED: "Too many requests to join came from your network. Wait a minute, then try again.",
  NOT_A_MEMBER: "Nobody let you in in time. You can ask to join again.",
};

/**
 * One meeting from join to leave: signalling, the two peer connections, the roster, reconnection
 * with backoff. Components read its state and call its methods; it knows nothing of rendering.
 */
export class MeetingStore extends Store<MeetingState> {
  readonly e2ee: E2eeWorkerClient;
  /** Fingerprints verified on this device (call/verified-pins.ts). */
  readonly pins = new VerifiedPins();
  /** Knocks and moderation, for hosts and co-hosts. */
  readonly host: HostControls;
  /** What hosts ask of us: unmute (asked), mute, end the meeting (call/host-commands.ts). */
  readonly commands: HostCommands;
  private signalling: Signalling | null = null;
  private send: SendConnection | null = null;
  private recv: ReceiveConnection | null = null;
  private roster = new Map<ParticipantId, Participant>();
  private streams = new Map<ParticipantId, RemoteParticipant>();
  private queue: Promise<void> = Promise.resolve();
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private unsubscribeLocal: () => void;
  private lastLocal: LocalMediaState;
  private announceToggle = false;
  private readonly watchdog = new VideoWatchdog((participantId) =>
    this.signalling?.send({ type: "keyframe-request", participantId }),
  );
  private readonly screenWatchdog = new VideoWatchdog((participantId) =>
    this.signalling?.send({ type: "keyframe-request", participantId, source: "screen" }),
  );
  /** Our screen share; its tracks go on the screen transceivers (docs/protocol.md). */
  readonly screen = new ScreenShare();
  private lastScreen: ScreenShareState;
  private watchdogTimer: ReturnType<typeof setInterval> | undefined;
  private welcomeTimer: ReturnType<typeof setTimeout> | undefined;
  private e2eeTimer: ReturnType<typeof setTimeout> | undefined;
  private lastGroup: GroupView;
  private lastBindings: Readonly<Record<string, number>>;
  /** Our place in the meeting, to take back after a drop (docs/protocol.md "Reconnecting"). */
  private resume: { participantId: ParticipantId; token: string } | null = null;
  /** Participants whose connection dropped, while the server holds their place. */
  private reconnecting = new Map<ParticipantId, { participant: Participant; since: number }>();
  private readonly onOffline = () => {
    if (this.state.phase === "joined") this.signalling?.abandon();
  };
  private readonly onOnline = () => this.retryNow();

  constructor(
    private link: MeetingAccess,
    private readonly name: string,
    readonly local: LocalMedia,
  ) {
    super({
      phase: "connecting",
      wasJoined: false,
      attempt: 0,
      retryAt: null,
      failure: null,
      notice: null,
      selfId: null,
      participants: [],
      announcement: "",
      mediaConnection: "new",
      speaking: [],
      membersWithoutTile: [],
      e2eeFailure: null,
      securityAnnouncement: "",
      knocking: !("secret" in link),
      roomStatus: null,
      endedByUs: false,
    });
    this.e2ee = new E2eeWorkerClient(
      name,
      "secret" in link
        ? { inviteSecret: link.secret, roomId: link.roomId }
        : { pinnedHost: link.pinnedHost },
    );
    this.host = new HostControls(
      (action) => this.e2ee.host(action),
      (message) => this.signalling?.send(message),
    );
    this.commands = new HostCommands(local, () => this.onEnded(false));
    this.e2ee.connect({
      send: (message) => this.signalling?.send(message),
      reconnect: () => {
        if (this.state.phase === "joined") void this.connect();
      },
      hostCommand: (sender, command) => {
        const name = this.e2ee.state.leafNames[sender] || "A host";
        this.commands.receive(name, command);
      },
      inviteReplaced: (secret) => this.enqueue(() => this.onInviteReplaced(secret)),
    });
    this.lastGroup = this.e2ee.state.group;
    this.lastBindings = this.e2ee.state.bindings;
    this.e2ee.subscribe(() => this.onGroupChange());
    this.lastLocal = local.state;
    this.unsubscribeLocal = local.subscribe(() => this.onLocalChange());
    this.lastScreen = this.screen.state;
    this.screen.subscribe(() => this.onScreenChange());
    addEventListener("offline", this.onOffline);
    addEventListener("online", this.onOnline);
  }

  /** How we came in; after "remove and block" replaced the secret, the new link. */
  get access(): MeetingAccess {
    return this.link;
  }

  get sendConnection(): RTCPeerConnection | null {
    return this.send?.pc ?? null;
  }

  /** The sending connection's stats per source; empty before we publish. */
  sendStats(): Promise<Array<[MediaSource, RTCStatsReport]>> {
    return this.send?.statsBySource() ?? Promise.resolve([]);
  }

  get receiveConnection(): RTCPeerConnection | null {
    return this.recv?.pc ?? null;
  }

  /** mid → participant id on the receiving connection. */
  receiveMids(): Record<string, string> {
    return this.recv?.midMap() ?? {};
  }

  /** mid → participant and source on the receiving connection. */
  receiveTracks(): ReceivedTracks {
    return this.recv?.tracksByMid() ?? {};
  }

  get invalidServerMessages(): number {
    return this.signalling?.invalidMessages ?? 0;
  }

  join(): void {
    void this.connect();
  }

  /** Skips the wait before the next attempt (also: the browser is online again). */
  retryNow(): void {
    if (this.state.phase !== "retrying") return;
    clearTimeout(this.retryTimer);
    void this.connect();
  }

  leave(): void {
    if (this.isOver()) return;
    this.signalling?.send({ type: "leave" });
    this.end("left", "You left the meeting");
  }

  /**
   * As a host: every member's client leaves (docs/e2ee.md "Host commands"), and so do we, once
   * the engine has sent the request. False if the engine refused it (we are not a host).
   */
  async endForEveryone(): Promise<boolean> {
    if (this.state.phase !== "joined") return false;
    const sent = await this.e2ee.host({ kind: "end-meeting" });
    if (sent) this.onEnded(true);
    return sent;
  }

  private onEnded(byUs: boolean): void {
    if (this.isOver()) return;
    this.signalling?.send({ type: "leave" });
    this.update({ endedByUs: byUs });
    this.end("ended", byUs ? "You ended the meeting for everyone" : "The host ended the meeting");
  }

  private isOver(): boolean {
    const { phase } = this.state;
    return phase === "left" || phase === "removed" || phase === "ended";
  }

  /** Stops media, connections and the worker for good: after leaving, once removed or ended. */
  private end(phase: "left" | "removed" | "ended", announcement: string): void {
    this.teardown();
    clearTimeout(this.retryTimer);
    removeEventListener("offline", this.onOffline);
    removeEventListener("online", this.onOnline);
    this.unsubscribeLocal();
    this.e2ee.terminate();
    this.local.stop();
    this.screen.stop();
    this.host.clear();
    this.commands.close();
    this.update({ phase, participants: [], retryAt: null, e2eeFailure: null, announcement });
  }

  /** Joining the encrypted group failed or stalled: a new connection makes the engine try again. */
  retryEncryption(): void {
    if (this.state.phase !== "joined") return;
    this.update({ e2eeFailure: null });
    void this.connect();
  }

  dismissNotice(): void {
    this.update({ notice: null });
  }

  private async connect(): Promise<void> {
    this.teardown();
    const attempt = this.state.attempt + 1;
    this.update({ phase: "connecting", attempt, retryAt: null });
    const signalling = new Signalling({
      // A late message from a socket we already replaced must not touch the new connection.
      onMessage: (message) =>
        this.enqueue(async () => {
          if (this.signalling === signalling) await this.onMessage(message);
        }, signalling),
      onClose: () => this.onSocketClosed(signalling),
    });
    this.signalling = signalling;
    try {
      await signalling.open(Signalling.url(location));
    } catch {
      if (this.signalling === signalling) this.scheduleRetry();
      return;
    }
    this.welcomeTimer = setTimeout(() => {
      if (this.signalling === signalling && this.state.phase === "connecting") this.scheduleRetry();
    }, WELCOME_TIMEOUT_MS);
    const link = this.link;
    signalling.send({
      type: "join",
      protocol: PROTOCOL_VERSION,
      roomId: link.roomId,
      // A knock link holds no server key: its holder asks to be let in (docs/protocol.md
      // "Lobby"); once admitted, a drop takes its place back like anyone's, else it knocks again.
      ...("serverKey" in link
        ? { serverKey: link.serverKey, ...(link.linkKey ? { linkKey: link.linkKey } : {}) }
        : { knock: { name: this.name } }),
      ...(this.resume ? { resume: this.resume } : {}),
    });
  }

  /**
   * Our engine derived the new invite secret after "remove and block" (docs/e2ee.md "Replacing
   * the invite link"): the address bar, Copy link and any rejoin use the new link from now on, and
   * the server learns to turn the old one to knocking. Every member holding the secret says so;
   * the server takes the first and ignores the rest.
   */
  private async onInviteReplaced(secret: string): Promise<void> {
    const old = this.link;
    if (!("secret" in old)) return;
    const next = await replacedLink(old, secret);
    if (next?.linkKey === undefined) return;
    this.link = next;
    if (location.pathname.replace(/\/$/, "") === `/m/${next.roomId}`) {
      history.replaceState(history.state, "", `#${inviteFragment(next)}`);
    }
    this.signalling?.send({
      type: "replace-link",
      current: old.linkKey ?? old.serverKey,
      next: next.linkKey,
    });
    this.announce("The meeting link was replaced. Copy the link again to invite people.");
  }

  private onSocketClosed(signalling: Signalling): void {
    if (this.signalling !== signalling) return;
    const { phase } = this.state;
    if (phase === "failed" || this.isOver()) return;
    if (phase === "joined") this.announce("Connection lost. Reconnecting…");
    this.scheduleRetry(phase === "joined");
  }

  private scheduleRetry(dropped = false): void {
    this.teardown();
    // attempt is 0 right after a drop from a joined meeting, n after n failed attempts.
    const step = Math.min(Math.max(this.state.attempt - 1, 0), BACKOFF_MS.length - 1);
    const delay = dropped ? FIRST_RECONNECT_MS : (BACKOFF_MS[step] ?? 15000);
    const jittered = Math.round(delay * (0.8 + Math.random() * 0.4));
    // Offline, attempts cannot succeed: the `online` event starts the next one at once.
    const waitForNetwork = !navigator.onLine;
    this.update({
      phase: "retrying",
      wasJoined: this.state.wasJoined || this.state.phase === "joined",
      retryAt: waitForNetwork ? null : Date.now() + jittered,
      participants: [],
    });
    if (!waitForNetwork) this.retryTimer = setTimeout(() => void this.connect(), jittered);
  }

  /**
   * Runs message handling one at a time, so offers and answers never interleave. A failure is
   * shown unless it belongs to a connection that has since been replaced or left.
   */
  private enqueue(
    task: () => Promise<void> | void,
    owner: Signalling | null = this.signalling,
  ): void {
    this.queue = this.queue.then(task).catch((error: unknown) => {
      if (owner !== this.signalling || this.state.phase === "left") return;
      console.error("meeting: handling a server message failed", error);
      this.update({ notice: `Something went wrong with the call: ${String(error)}` });
    });
  }

  private async onMessage(message: ServerMessage): Promise<void> {
    // The MLS engine in the worker follows the room and the Delivery Service's messages.
    this.e2ee.relay(message);
    switch (message.type) {
      case "welcome":
        this.resume = { participantId: message.selfId, token: message.resumeToken };
        return this.onWelcome(message.selfId, message.participants);
      case "lobby":
        clearTimeout(this.welcomeTimer);
        // Also after a drop whose place was no longer held: we ask again.
        this.update({
          phase: "waiting",
          knocking: true,
          selfId: message.selfId,
          attempt: 0,
          failure: null,
        });
        this.announce("Waiting for a host to let you in…");
        return;
      case "room-status":
        this.update({
          roomStatus: { locked: message.locked, lobbyMandatory: message.lobbyMandatory },
        });
        return;
      case "admitted": {
        const selfId = this.state.selfId;
        if (this.state.phase !== "waiting" || selfId === null) return;
        this.resume = { participantId: selfId, token: message.resumeToken };
        this.update({ knocking: false });
        return this.onWelcome(selfId, message.participants);
      }
      case "knock":
      case "knock-ended":
        this.host.receive(message);
        return;
      case "publish-answer":
        await this.send?.applyAnswer(message.sdp);
        return;
      case "subscribe-offer": {
        if (!this.recv) {
          this.recv = new ReceiveConnection(this.e2ee, (c) => this.sendCandidate("recv", c));
          this.watchConnection(this.recv.pc);
        }
        // The worker learns whose media each mid carries before any frame of the new mapping.
        this.recv.setTracks(message.tracks);
        this.e2ee.setReceiveMids(this.recv.tracksByMid());
        const sdp = await this.recv.answer(message.sdp);
        this.signalling?.send({ type: "subscribe-answer", sdp });
        this.publishParticipants();
        return;
      }
      case "participant-joined":
        // Not announced by the server's name: "joined" is said when the MLS roster adds them.
        this.reconnecting.delete(message.participant.id);
        this.roster.set(message.participant.id, message.participant);
        this.publishParticipants();
        return;
      case "participant-updated":
        this.roster.set(message.participant.id, message.participant);
        this.publishParticipants();
        return;
      case "participant-left": {
        const who = this.streams.get(message.id);
        const participant = this.roster.get(message.id);
        this.roster.delete(message.id);
        if (message.reason === "disconnected" && participant?.leaf != null) {
          // Their place (and MLS leaf) is held: shown as reconnecting, not as gone.
          this.reconnecting.set(message.id, { participant, since: Date.now() });
          if (who) this.announce(`${who.name} lost their connection. Reconnecting…`);
        } else if (who) this.announce(`${who.name} left`);
        this.publishParticipants();
        return;
      }
      case "error":
        return this.onError(message.code, message.message);
    }
  }

  private async onWelcome(
    selfId: ParticipantId,
    participants: readonly Participant[],
  ): Promise<void> {
    clearTimeout(this.welcomeTimer);
    this.roster = new Map(participants.map((p) => [p.id, p]));
    clearTimeout(this.e2eeTimer);
    this.armE2eeTimer();
    const rejoined = this.state.wasJoined;
    this.update({ phase: "joined", selfId, attempt: 0, retryAt: null, failure: null });
    this.announce(rejoined ? "Reconnected" : `You joined. ${this.countText()}`);
    this.publishParticipants();
    const { audioTrack, videoTrack } = this.local.state;
    const screen = this.screen.state;
    this.send = new SendConnection(
      this.e2ee,
      {
        microphone: audioTrack,
        camera: videoTrack,
        screen: screen.video,
        screenAudio: screen.audio,
      },
      (c) => this.sendCandidate("send", c),
    );
    this.watchConnection(this.send.pc);
    clearInterval(this.watchdogTimer);
    this.watchdogTimer = setInterval(() => void this.checkMedia(), 500);
    const sdp = await this.send.createOffer();
    this.signalling?.send({ type: "publish", sdp });
    this.sendMediaState();
    // A share outlives a reconnection on our side; the server is told again.
    if (screen.video) this.sendScreenShare();
  }

  /**
   * A participant not in the encrypted group in time is told so, unless the meeting is locked or
   * its lobby mandatory: then a host has to act, and the banner says so.
   */
  private armE2eeTimer(): void {
    clearTimeout(this.e2eeTimer);
    this.e2eeTimer = setTimeout(() => {
      if (this.state.phase !== "joined" || this.e2ee.state.group.status === "member") return;
      const status = this.state.roomStatus;
      if (status?.locked || status?.lobbyMandatory) {
        this.armE2eeTimer();
        return;
      }
      this.update({
        e2eeFailure:
          "Could not join the encrypted group: no member let this device in within 30 seconds.",
      });
    }, E2EE_JOIN_TIMEOUT_MS);
  }

  private onError(code: ErrorCode, message: string): void {
    if (code === "REMOVED") {
      this.onRemoved();
      return;
    }
    const { phase, knocking } = this.state;
    // A knock that asks too often is told to wait a minute; it asks again when the person says.
    const knockRefused = phase === "connecting" && knocking && code === "RATE_LIMITED";
    // The server gave our knock up: nobody let us in in time.
    const knockExpired = phase === "waiting" && code === "NOT_A_MEMBER";
    if (isFinalError(code) || knockRefused || knockExpired) {
      this.teardown();
      this.update({
        phase: "failed",
        failure: { code, message: FAILURE_TEXT[code] ?? message },
        participants: [],
      });
      this.local.stop();
      return;
    }
    // Our join was turned away for now (a restart, a limit): try again with backoff.
    if (phase === "connecting") {
      this.scheduleRetry();
      return;
    }
    this.update({ notice: `The server reported a problem (${code}): ${message}` });
  }

  /** A member's commit removed us (server REMOVED, or our engine saw it): no reconnecting. */
  private onRemoved(): void {
    if (this.isOver()) return;
    this.end("removed", "You were removed from the meeting");
  }

  private sendCandidate(transport: "send" | "recv", c: CandidateOut): void {
    this.signalling?.send({ type: "ice-candidate", transport, ...c });
  }

  private watchConnection(pc: RTCPeerConnection): void {
    pc.addEventListener("connectionstatechange", () => {
      // Show the worse of the two connections.
      const states = [this.send?.pc.connectionState, this.recv?.pc.connectionState];
      const order: RTCPeerConnectionState[] = [
        "failed",
        "disconnected",
        "connecting",
        "new",
        "connected",
        "closed",
      ];
      const worst = order.find((s) => states.includes(s)) ?? "new";
      this.update({ mediaConnection: worst });
    });
  }

  private onLocalChange(): void {
    const now = this.local.state;
    const before = this.lastLocal;
    this.lastLocal = now;
    if (now.audioTrack !== before.audioTrack) {
      this.enqueue(() => this.send?.replaceTrack("microphone", now.audioTrack));
    }
    if (now.videoTrack !== before.videoTrack) {
      this.enqueue(() => this.send?.replaceTrack("camera", now.videoTrack));
    }
    if (now.mic !== before.mic || now.camera !== before.camera) this.sendMediaState();
  }

  /**
   * A share starts with its tracks on the screen transceivers, then the server is told to forward
   * them; it stops the other way round, so receivers never wait on a screen that sends nothing.
   */
  private onScreenChange(): void {
    const now = this.screen.state;
    const before = this.lastScreen;
    this.lastScreen = now;
    if (now.video === before.video && now.audio === before.audio) return;
    this.enqueue(async () => {
      if (!now.video) this.sendScreenShare();
      await this.send?.replaceTrack("screen", now.video);
      await this.send?.replaceTrack("screenAudio", now.audio);
      if (now.video) this.sendScreenShare();
    });
    this.announce(now.video ? "You are sharing your screen" : "You stopped sharing your screen");
  }

  /**
   * Media state and screen share go to the server only once we are in the meeting: a knock may send
   * nothing but its KeyPackage (docs/protocol.md "Lobby"). What changed while we waited is sent
   * with the publish that follows admission (onWelcome reads the current state).
   */
  private get inMeeting(): boolean {
    return this.state.phase === "joined";
  }

  private sendScreenShare(): void {
    if (!this.inMeeting) return;
    const { video, audio } = this.screen.state;
    this.signalling?.send({ type: "screen-share", video: video !== null, audio: audio !== null });
  }

  private sendMediaState(): void {
    if (!this.inMeeting) return;
    const { mic, camera, audioTrack, videoTrack } = this.local.state;
    this.signalling?.send({
      type: "media-state",
      audio: mic === "on" && audioTrack !== null,
      video: camera === "on" && videoTrack !== null,
    });
  }

  /** Merges the server's list with the tracks received, named from the MLS roster. */
  private publishParticipants(): void {
    const { group, bindings } = this.e2ee.state;
    const now = Date.now();
    for (const [id, { participant, since }] of this.reconnecting) {
      // Gone for good once the window passed or the group removed their leaf.
      const inGroup = group.roster.some((r) => r.leaf === participant.leaf && !r.self);
      if (now - since > RECONNECT_WINDOW_MS || !inGroup) this.reconnecting.delete(id);
    }
    const listed = new Map(this.roster);
    for (const [id, { participant }] of this.reconnecting) listed.set(id, participant);
    this.streams = mergeTracks(
      listed,
      this.recv?.remoteTracks() ?? new Map(),
      this.streams,
      { roster: group.roster, bindings, mids: this.recv?.tracksByMid() ?? {} },
      new Set(this.reconnecting.keys()),
    );
    this.update({
      participants: [...this.streams.values()],
      membersWithoutTile: membersWithoutTile(group.roster, this.streams.values()),
    });
  }

  /** The worker reported a new group state or new KID bindings. */
  private onGroupChange(): void {
    const { group, bindings } = this.e2ee.state;
    const before = this.lastGroup;
    if (group === before && bindings === this.lastBindings) return;
    this.lastGroup = group;
    this.lastBindings = bindings;
    if (group !== before) {
      const known = new Set(before.roster.map((r) => `${r.leaf}/${r.fingerprint}`));
      const added = group.roster.filter((r) => !r.self && !known.has(`${r.leaf}/${r.fingerprint}`));
      if (before.status === "member" && added.length > 0) {
        this.announce(`${added.map((r) => r.name).join(", ")} joined`);
      }
      if (group.status === "member" && before.status !== "member") {
        this.update({ e2eeFailure: null });
        this.announce("You are in the encrypted group. Media is end-to-end encrypted.");
      }
      if (group.securityCode !== null && group.securityCode !== before.securityCode) {
        this.update({ securityAnnouncement: `Security code is now ${group.securityCode}` });
      }
      if (group.status === "member" && this.state.roomStatus !== null) {
        this.update({ roomStatus: null });
      }
      if (group.status === "removed" && before.status === "member") {
        this.onRemoved();
        return;
      }
      if (group.status === "failed" || group.status === "removed") {
        this.update({
          e2eeFailure:
            group.failure ??
            "This device was removed from the encrypted group. Rejoin to continue.",
        });
      }
    }
    this.publishParticipants();
  }

  private countText(): string {
    const n = this.roster.size + 1;
    return n === 1 ? "You are the only one here." : `${n} people in the meeting.`;
  }

  private announce(text: string): void {
    // Alternate a trailing no-break space so the same words are announced again.
    this.announceToggle = !this.announceToggle;
    this.update({ announcement: this.announceToggle ? text : `${text}\u00a0` });
  }

  /** Twice a second: stalled remote video gets a keyframe request, audio levels mark speakers. */
  private async checkMedia(): Promise<void> {
    const pc = this.recv?.pc;
    if (!pc || this.state.phase !== "joined") return;
    let report: RTCStatsReport;
    try {
      report = await pc.getStats();
    } catch {
      return; // closed meanwhile
    }
    const { decoded, screensDecoded, speaking } = readReceiveHealth(
      report,
      this.recv?.tracksByMid() ?? {},
      this.roster,
    );
    this.watchdog.observe(decoded);
    this.screenWatchdog.observe(screensDecoded);
    const before = this.state.speaking;
    if (speaking.length !== before.length || speaking.some((id) => !before.includes(id))) {
      this.update({ speaking });
    }
  }

  private teardown(): void {
    clearInterval(this.watchdogTimer);
    clearTimeout(this.welcomeTimer);
    clearTimeout(this.e2eeTimer);
    this.signalling?.close();
    this.signalling = null;
    this.send?.close();
    this.send = null;
    this.recv?.close();
    this.recv = null;
    this.roster.clear();
    this.reconnecting.clear();
    this.streams.clear();
    this.queue = Promise.resolve();
    this.update({ mediaConnection: "new", speaking: [] });
  }
}
