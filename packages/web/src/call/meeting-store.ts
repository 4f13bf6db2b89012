import type {
  ErrorCode,
  IceServer,
  MediaSource,
  Participant,
  ParticipantId,
  ServerMessage,
} from "@conclave/protocol";
import type { GroupView, RolesView } from "../worker/reports.ts";
import { Announcements } from "./announcements.ts";
import type { MonitoredCall } from "./call-monitor.ts";
import { E2eeWorkerClient } from "./e2ee-worker-client.ts";
import { failureOf } from "./failure-texts.ts";
import { GroupEntry } from "./group-entry.ts";
import { HostCommands } from "./host-commands.ts";
import { HostControls } from "./host-controls.ts";
import type { LocalMedia } from "./local-media.ts";
import { MediaSession } from "./media-session.ts";
import { type MeetingAccess, MeetingConnection, retryDelay } from "./meeting-connection.ts";
import { afterServerError, isOver, type MeetingState, startingState } from "./meeting-phase.ts";
import { ParticipantList } from "./participant-list.ts";
import type { RemoteParticipant } from "./remote-participants.ts";
import { ScreenShare } from "./screen-share.ts";
import { Store } from "./store.ts";
import { VerifiedPins } from "./verified-pins.ts";

export type { MeetingAccess } from "./meeting-connection.ts";
export type { MeetingPhase, MeetingState } from "./meeting-phase.ts";

/**
 * One meeting from join to leave: its phase, and the parts it owns: the signalling connection
 * (meeting-connection.ts), the media (media-session.ts), the people shown (participant-list.ts),
 * the E2EE worker (e2ee-worker-client.ts), what is announced (announcements.ts). Components read
 * its state and the parts' and call its methods; it knows nothing of rendering.
 */
export class MeetingStore extends Store<MeetingState> implements MonitoredCall {
  readonly e2ee: E2eeWorkerClient;
  /** Fingerprints verified on this device (call/verified-pins.ts). */
  readonly pins = new VerifiedPins();
  /** Knocks and moderation, for hosts and co-hosts. */
  readonly host: HostControls;
  /** What hosts ask of us: unmute (asked), mute, end the meeting (call/host-commands.ts). */
  readonly commands: HostCommands;
  /** Our screen share; its tracks go on the screen transceivers (docs/protocol.md). */
  readonly screen = new ScreenShare();
  readonly announcements = new Announcements();
  readonly people: ParticipantList;
  readonly media: MediaSession;
  private readonly connection: MeetingConnection;
  /** Our way into the encrypted group: its failure, and why it takes long. */
  readonly entry = new GroupEntry(
    () => this.state.phase === "joined" && this.e2ee.state.group.status !== "member",
  );
  private lastGroup: GroupView;
  private lastBindings: Readonly<Record<string, number>>;
  private lastRoles: RolesView | null = null;
  private readonly onOffline = () => {
    if (this.state.phase === "joined") this.connection.abandon();
  };
  private readonly onOnline = () => this.retryNow();

  constructor(
    link: MeetingAccess,
    name: string,
    readonly local: LocalMedia,
  ) {
    super(startingState(!("secret" in link)));
    this.connection = new MeetingConnection(link, name, {
      message: (message) => this.onMessage(message),
      lost: (cause) => this.onLost(cause),
      failed: (error) => this.onTaskFailed(error),
    });
    const send = this.connection.send.bind(this.connection);
    const enqueue = (task: () => Promise<void> | void) => this.connection.enqueue(task);
    const say = (text: string) => this.announcements.say(text);
    this.e2ee = new E2eeWorkerClient(
      name,
      "secret" in link
        ? { inviteSecret: link.secret, roomId: link.roomId }
        : { pinnedHost: link.pinnedHost },
    );
    this.people = new ParticipantList({
      group: () => ({ roster: this.e2ee.state.group.roster, bindings: this.e2ee.state.bindings }),
      tracks: () => this.media.remoteTracks(),
      mids: () => this.media.receiveTracks(),
      paused: () => this.media.pausedVideos,
      announce: (text, kind) =>
        kind === undefined ? say(text) : this.announcements.notify(kind, text),
    });
    this.media = new MediaSession({
      transforms: this.e2ee,
      local,
      screen: this.screen,
      send,
      enqueue,
      listed: () => this.people.listedByServer,
      inMeeting: () => this.state.phase === "joined",
      tracksChanged: () => this.people.publish(),
      mediaDropped: () => this.connection.checkAlive(),
      announce: say,
    });
    this.host = new HostControls((action) => this.e2ee.host(action), send, {
      notify: (kind, text) => this.announcements.notify(kind, text),
      handLowered: (leaf) => this.e2ee.activity.handLowered(leaf),
    });
    this.commands = new HostCommands(local, () => this.onEnded(false));
    this.lastGroup = this.e2ee.state.group;
    this.lastBindings = this.e2ee.state.bindings;
    this.followWorker();
    addEventListener("offline", this.onOffline);
    addEventListener("online", this.onOnline);
  }

  /** What the E2EE worker asks of the meeting, and its group as it changes. */
  private followWorker(): void {
    this.e2ee.connect({
      send: (message) => {
        if (message.type === "mls-key-package") this.entry.keyPackageSent();
        this.connection.send(message);
      },
      reconnect: () => {
        if (this.state.phase !== "joined") return;
        this.connection.giveUpPlace();
        void this.connect();
      },
      hostCommand: (sender, command) => {
        this.commands.receive(this.e2ee.state.leafNames[sender] || "A host", command);
      },
      inviteReplaced: (secret) =>
        this.connection.enqueue(async () => {
          if (!(await this.connection.adoptSecret(secret))) return;
          this.announcements.notify(
            "link",
            "The meeting link was replaced. Copy the link again to invite people.",
          );
        }),
    });
    this.e2ee.subscribe(() => this.onGroupChange());
  }

  /** How we came in; after "remove and block" replaced the secret, the new link. */
  get access(): MeetingAccess {
    return this.connection.access;
  }

  get sendConnection(): RTCPeerConnection | null {
    return this.media.sendConnection;
  }

  /** The sending connection's stats per source; empty before we publish. */
  sendStats(): Promise<Array<[MediaSource, RTCStatsReport]>> {
    return this.media.sendStats();
  }

  get receiveConnection(): RTCPeerConnection | null {
    return this.media.receiveConnection;
  }

  get participants(): readonly RemoteParticipant[] {
    return this.people.state.participants;
  }

  get invalidServerMessages(): number {
    return this.connection.invalidMessages;
  }

  join(): void {
    void this.connect();
  }

  /** Skips the wait before the next attempt (also: the browser is online again). */
  retryNow(): void {
    if (this.state.phase !== "retrying") return;
    this.connection.cancelRetry();
    void this.connect();
  }

  /** Says goodbye to the group (signed), then `leave` to the server (docs/e2ee.md "Leaving"). */
  async leave(): Promise<void> {
    if (isOver(this.state.phase)) return;
    await this.e2ee.goodbye();
    if (isOver(this.state.phase)) return;
    this.connection.send({ type: "leave" });
    this.end("left");
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

  /** Joining the encrypted group failed or stalled: a new connection makes the engine try again. */
  retryEncryption(): void {
    if (this.state.phase !== "joined") return;
    this.entry.clearFailure();
    void this.connect();
  }

  dismissNotice(): void {
    this.update({ notice: null });
  }

  private onEnded(byUs: boolean): void {
    if (isOver(this.state.phase)) return;
    this.connection.send({ type: "leave" });
    this.update({ endedByUs: byUs });
    this.end("ended");
  }

  /**
   * Stops media, connections and the worker for good: after leaving, once removed or ended. The
   * end screen that follows says what happened (ui/end-screens.tsx).
   */
  private end(phase: "left" | "removed" | "ended"): void {
    this.teardown();
    this.connection.cancelRetry();
    removeEventListener("offline", this.onOffline);
    removeEventListener("online", this.onOnline);
    this.media.stop();
    this.e2ee.terminate();
    this.local.stop();
    this.screen.stop();
    this.host.clear();
    this.commands.close();
    this.people.hide();
    this.entry.clearFailure();
    this.update({ phase, retryAt: null });
  }

  private async connect(): Promise<void> {
    this.teardown();
    this.update({ phase: "connecting", attempt: this.state.attempt + 1, retryAt: null });
    await this.connection.open({ keepsMedia: this.media.keepsConnections });
  }

  private onTaskFailed(error: unknown): void {
    if (this.state.phase === "left") return;
    console.error("meeting: handling a server message failed", error);
    this.update({ notice: `Something went wrong with the call: ${String(error)}` });
  }

  private onLost(cause: "unreachable" | "closed" | "unanswered"): void {
    const { phase } = this.state;
    if (cause === "unanswered" && phase !== "connecting") return;
    this.e2ee.serverLost();
    if (cause === "closed") {
      if (phase === "failed" || isOver(phase)) return;
      if (phase === "joined") this.announcements.say("Connection lost. Reconnecting…");
    }
    this.scheduleRetry(cause === "closed" && phase === "joined");
  }

  private scheduleRetry(dropped = false): void {
    this.teardown();
    this.e2ee.activity.setConnected(false);
    const delay = retryDelay(this.state.attempt, dropped);
    // Offline, attempts cannot succeed: the `online` event starts the next one at once.
    const waitForNetwork = !navigator.onLine;
    this.update({
      phase: "retrying",
      wasJoined: this.state.wasJoined || this.state.phase === "joined",
      retryAt: waitForNetwork ? null : Date.now() + delay,
    });
    this.people.hide();
    if (!waitForNetwork) this.connection.retryIn(delay, () => void this.connect());
  }

  private async onMessage(message: ServerMessage): Promise<void> {
    // The MLS engine in the worker follows the room and the Delivery Service's messages.
    this.e2ee.relay(message);
    if (message.type === "mls-welcome") this.entry.welcomeArrived();
    switch (message.type) {
      case "welcome":
        this.connection.holdPlace(message.selfId, message.resumeToken);
        // A knocker a host admitted while its connection was away is seated as it comes back.
        if (this.state.knocking) this.update({ knocking: false });
        return this.onWelcome(message.selfId, message.participants, message.iceServers, {
          mediaKept: message.mediaKept,
        });
      case "lobby":
        this.connection.answered();
        // After a drop we present this token and wait on in our knock's place (docs/protocol.md
        // "Lobby"), or, if it is gone, ask again.
        this.connection.holdPlace(message.selfId, message.resumeToken);
        this.update({
          phase: "waiting",
          knocking: true,
          selfId: message.selfId,
          attempt: 0,
          failure: null,
        });
        this.announcements.say(
          message.resumed
            ? "Reconnected. Still waiting for a host to let you in…"
            : "Waiting for a host to let you in…",
        );
        return;
      case "room-status":
        this.entry.setRoomStatus({
          locked: message.locked,
          lobbyMandatory: message.lobbyMandatory,
        });
        return;
      case "admitted": {
        const selfId = this.state.selfId;
        if (this.state.phase !== "waiting" || selfId === null) return;
        this.connection.holdPlace(selfId, message.resumeToken);
        this.update({ knocking: false });
        return this.onWelcome(selfId, message.participants, message.iceServers);
      }
      case "knock":
      case "knock-away":
      case "knocks-waiting":
      case "knock-ended":
        this.host.receive(message);
        return;
      case "publish-answer":
        return this.media.applyAnswer(message.sdp);
      case "subscribe-offer":
        return this.media.answerOffer(message.sdp, message.tracks);
      case "videos-paused":
        return this.media.setPaused(message.mids);
      case "camera-layers":
        return this.media.setCameraLayers(message.layers);
      case "participant-joined":
        return this.people.joined(message.participant);
      case "participant-updated":
        return this.people.updated(message.participant);
      case "participant-left":
        return this.people.left(message.id, message.reason);
      case "error":
        return this.onError(message.code, message.message);
    }
  }

  private async onWelcome(
    selfId: ParticipantId,
    participants: readonly Participant[],
    iceServers: readonly IceServer[],
    { mediaKept = false } = {},
  ): Promise<void> {
    this.connection.answered();
    this.entry.start();
    const rejoined = this.state.wasJoined;
    this.update({ phase: "joined", selfId, attempt: 0, retryAt: null, failure: null });
    this.e2ee.activity.setConnected(true);
    this.people.welcome(participants);
    const { count } = this.people;
    const here = count === 1 ? "You are the only one here." : `${count} people in the meeting.`;
    this.announcements.say(rejoined ? "Reconnected" : `You joined. ${here}`);
    await this.media.publish(iceServers, mediaKept);
  }

  private onError(code: ErrorCode, message: string): void {
    switch (afterServerError(code, this.state)) {
      case "disconnected":
        // Only a commit removes a member: if our engine applied one, its report ends the meeting
        // for us (onRemoved); if not, the server disconnected us, and we reconnect as after a drop.
        this.update({ notice: "Disconnected by the server" });
        return;
      case "closing":
        // Nothing to show: the close that follows says "Reconnecting…" as a drop does.
        return;
      case "failed":
        this.teardown();
        this.media.close();
        this.update({ phase: "failed", failure: failureOf(code, message) });
        this.people.hide();
        this.local.stop();
        return;
      case "retry":
        this.scheduleRetry();
        return;
      case "notice":
        this.update({ notice: `The server reported a problem (${code}): ${message}` });
    }
  }

  /** A member's commit removed us (our engine applied it): no reconnecting. */
  private onRemoved(by: MeetingState["removedBy"]): void {
    if (isOver(this.state.phase)) return;
    this.update({ removedBy: by });
    this.end("removed");
  }

  /** The worker reported a new group state or new KID bindings. */
  private onGroupChange(): void {
    const { group, bindings, roles } = this.e2ee.state;
    if (roles !== this.lastRoles && roles !== null) {
      // Only changes seen as a member are news; the roles we find on entry are not.
      const before = group.status === "member" ? this.lastRoles : null;
      this.lastRoles = roles;
      this.announcements.rolesChanged(before, roles, group.roster);
    }
    const before = this.lastGroup;
    if (group === before && bindings === this.lastBindings) return;
    this.lastGroup = group;
    this.lastBindings = bindings;
    if (group !== before) {
      this.announcements.groupChanged(before, group);
      this.host.groupChanged(group.roster);
      this.entry.groupChanged(before, group);
      if (group.status === "removed" && before.status === "member") {
        this.onRemoved(group.removedBy);
        return;
      }
    }
    this.people.publish();
  }

  /**
   * Ends the current connection attempt: its socket and who it listed. The peer connections stay
   * until the next `welcome` says whether the server kept its side (MediaSession.publish).
   */
  private teardown(): void {
    this.entry.stop();
    this.connection.close();
    this.media.hold();
    this.people.forget();
  }
}
