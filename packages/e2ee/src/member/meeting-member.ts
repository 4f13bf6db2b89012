// The meeting member engine: the client side of the Delivery Service protocol (docs/e2ee.md),
// shared by the browser worker and the Node bot. It turns the server's messages into MLS session
// transitions, makes the commits commit duty asks for, and hands the media layer each epoch's keys
// through the MediaKeyRing it owns.
//
// This file is the facade: the public interface over one state record (member-state.ts) and a
// thin shell (member-shell.ts) that runs handlers on one serial queue and performs the effects
// they return. Each concern's handlers live in a file of their own (docs/architecture.md has the
// map). Handling never throws: bad input is counted (`stats`) and reported as an `error` event,
// and the state stays what it was.
import type { ServerMessage } from "@conclave/protocol";
import { type Fingerprint, parseFingerprint } from "../admission/fingerprint.ts";
import type { MeetingRoles } from "../admission/meeting-roles.ts";
import type { RolesChange } from "../admission/roles-change.ts";
import { E2eeUsageError } from "../errors.ts";
import type { MediaKeyRing } from "../media-keys/key-ring.ts";
import { exportSecret } from "../mls/session.ts";
import { pairWords } from "../verification/pair-words.ts";
import { seal, sendHostCommand, sendTyped, toMember } from "./app-channel.ts";
import {
  encodeOpaque,
  isReaction,
  isTimestamp,
  MAX_CHAT_TEXT,
  type Reaction,
  type TypedAppMessage,
} from "./app-message.ts";
import { connectionLost } from "./commit-flight.ts";
import type { MemberEvents, RosterMember } from "./events.ts";
import { rejoin } from "./joining.ts";
import { configOf, defaultTimers, type MeetingMemberOptions } from "./member-config.ts";
import { MemberShell, type MemberTimers } from "./member-shell.ts";
import {
  type Ctx,
  initialState,
  type MemberState,
  type MemberStats,
  type MemberStatus,
  type MlsClientMessage,
} from "./member-state.ts";
import { askAdmit, askChange, askRemove } from "./own-requests.ts";
import { ownRole } from "./roster-view.ts";
import { handleServerMessage } from "./server-inbox.ts";

export type { MeetingMemberOptions, MemberStats, MemberStatus, MemberTimers, MlsClientMessage };

export interface MeetingMember {
  readonly status: MemberStatus;
  readonly joined: boolean;
  readonly epoch: bigint | undefined;
  readonly ownLeaf: number | undefined;
  readonly roster: readonly RosterMember[];
  /** Five groups of five digits; equal for everyone in the same group (mls/security-code.ts). */
  readonly securityCode: string | undefined;
  /**
   * The words we and the member with this fingerprint read to each other to check each other's
   * key (verification/pair-words.ts); undefined if we are not a member or nobody here has it.
   */
  pairWords(fingerprint: string): Promise<readonly string[] | undefined>;
  /** The group's MLS cipher suite, fixed at its founding (mls/ciphersuite.ts). */
  readonly ciphersuite: string | undefined;
  /**
   * Holds this epoch's SFrame keys; replaced by a fresh ring after a rollback or a rejoin, which
   * the `key-ring` event announces.
   */
  readonly mediaKeyRing: MediaKeyRing;
  readonly stats: Readonly<MemberStats>;
  /** Whether a commit of ours awaits the Delivery Service's echo or refusal (commit-flight.ts). */
  readonly committing: boolean;
  /** Feeds one parsed server message; messages the engine does not use are ignored. */
  receive(message: ServerMessage): void;
  /** The connection to the server was lost; the app is reconnecting. */
  connectionLost(): void;
  /**
   * Every request below answers through its promise alone: false if it could not be sent or
   * queued, a rejection with E2eeUsageError for a malformed argument (an empty chat text, a hand
   * raised at no time, a reaction not in REACTIONS, text that is not a fingerprint); none throws.
   * Sends opaque application data to every other member; false if we are not a member.
   */
  sendApplication(data: Uint8Array): Promise<boolean>;
  sendChat(text: string): Promise<boolean>;
  /** Tells the group our hand is up since `at` (ms since 1970, our clock); false if not a member. */
  raiseHand(at: number): Promise<boolean>;
  /**
   * Lowers the hand of `leaf` (default: ours). Receivers decide whose hand a sender may lower
   * (app-channel.ts `mayLowerHand`): its own, and a host's or co-host's anyone's.
   */
  lowerHand(leaf?: number): Promise<boolean>;
  sendReaction(emoji: Reaction): Promise<boolean>;
  /** Tells the group we started (true) or stopped (false) recording the meeting on this device. */
  announceRecording(active: boolean): Promise<boolean>;
  /**
   * Host commands (member/host-commands.ts), sealed to the whole group: each resolves false if we
   * are not a member, our role may not send it, or (for one member) nobody here has that
   * fingerprint or it is ours. Receivers check our role again before acting.
   * As a host or co-host: asks the member with this fingerprint to unmute (it asks its user).
   */
  askToUnmute(fingerprint: string): Promise<boolean>;
  /** As a host or co-host: the member with this fingerprint mutes its own microphone. */
  muteMember(fingerprint: string): Promise<boolean>;
  /** As a host or co-host: every other member mutes its own microphone. */
  muteEveryone(): Promise<boolean>;
  /** As a host: every other member leaves the meeting. */
  endMeeting(): Promise<boolean>;
  /**
   * Gives up our state and joins again, as after a missed commit: the caller saw the group move on
   * without us (frames of a newer epoch, frames/media-watch.ts). Nothing if we are not a member.
   */
  resync(why: string): void;
  /** Makes our self-update due now (it still waits for pending work and for its turn). */
  requestSelfUpdate(): void;
  /**
   * Says goodbye to the group (a `goodbye` application message, signed by our leaf) before the
   * caller sends the server `leave`: members remove our leaf at once only on this, not on the
   * server's word. False if we are not a member.
   */
  leave(): Promise<boolean>;
  /** Hosts, co-hosts, settings and deny-list of the group we are in (admission/meeting-roles.ts). */
  readonly roles: MeetingRoles | undefined;
  /**
   * Roles and settings changes, committed by us as GroupContextExtensions (admission/roles-change.ts
   * says who may make which). Each resolves false at once if we are not a member or our role does
   * not allow it, else true once the change is queued; it is committed in our next turn, retried
   * after a lost race, and visible in `roles` (and the `roles` event) once a commit carries it.
   * Fingerprints as the roster shows them.
   */
  setLocked(locked: boolean): Promise<boolean>;
  setLobby(settings: { lobbyMandatory: boolean; knockingEnabled: boolean }): Promise<boolean>;
  makeCoHost(fingerprint: string, on: boolean): Promise<boolean>;
  /** Hands our host role to a member; we stay in the meeting as a member. */
  transferHost(fingerprint: string): Promise<boolean>;
  /** Puts a device on the deny-list, then removes it in our next commit if it is here. */
  deny(fingerprint: string): Promise<boolean>;
  /**
   * As a host, "remove and block": `deny`, then, once the device is out, replace the invite secret
   * (member/host-requests.ts), so the old link only leads to knocking. Members that hold the
   * secret get the new one in an `invite-replaced` event.
   */
  block(fingerprint: string): Promise<boolean>;
  /**
   * As a host or co-host: removes the member at `leaf` in our next commit (not ourselves). False
   * if we may not or nobody is there. Roles are checked by us only: any member may commit a Remove.
   */
  remove(leaf: number): Promise<boolean>;
  /**
   * As a host or co-host: adds the participant whose KeyPackage waits (a knock, or any joiner
   * while the lobby is mandatory), without a proof: exactly the upload whose KeyPackageRef (hex,
   * from its `upload` event) the host's card showed. False if we may not, or no such upload waits;
   * if another upload comes under that id before the Add, the request is dropped (a new card).
   */
  admit(participantId: string, keyPackageRef: string): Promise<boolean>;
  /**
   * MLS-Exporter of the current epoch (RFC 9420 §8.5); undefined when we are not a member. Secret:
   * for keys derived inside the worker, and for tests that check such keys never leak.
   */
  exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array | undefined>;
  on<K extends keyof MemberEvents>(name: K, listener: (value: MemberEvents[K]) => void): () => void;
  /** Resolves once every message and timer received so far has been handled. */
  idle(): Promise<void>;
  close(): void;
}

function fingerprintArgument(text: string): Fingerprint {
  const fingerprint = parseFingerprint(text);
  if (fingerprint === undefined) throw new E2eeUsageError("not a fingerprint (32 bytes of hex)");
  return fingerprint;
}

export function createMeetingMember(options: MeetingMemberOptions): MeetingMember {
  const ctx: Ctx = {
    config: configOf(options),
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
  const shell = new MemberShell(initialState(options.admission), ctx, {
    send: options.send,
    timers: options.timers ?? defaultTimers,
    ring: options.ring,
  });
  return new Member(shell, ctx);
}

/** The facade: reads come from the state, every request is a handler on the shell's queue. */
class Member implements MeetingMember {
  constructor(
    private readonly shell: MemberShell,
    private readonly ctx: Ctx,
  ) {}

  get status() {
    return this.shell.state.status;
  }
  get joined() {
    return this.shell.state.status === "member";
  }
  get epoch() {
    return this.shell.state.session?.epoch;
  }
  get ownLeaf() {
    return this.shell.state.session?.ownLeafIndex;
  }
  get roster() {
    return this.shell.state.roster;
  }
  get securityCode() {
    return this.shell.state.session?.securityCode.digits;
  }
  async pairWords(fingerprint: string): Promise<readonly string[] | undefined> {
    const theirs = fingerprintArgument(fingerprint);
    const state = this.shell.state;
    const own = ownRole(state)?.fingerprint;
    const code = state.session?.securityCode;
    const present = state.roster.some((r) => parseFingerprint(r.fingerprint) === theirs);
    if (own === undefined || code === undefined || !present || own === theirs) return undefined;
    return pairWords(code.authenticator, own, theirs);
  }
  get ciphersuite() {
    return this.shell.state.session?.state.groupContext.cipherSuite;
  }
  get mediaKeyRing() {
    return this.shell.ring;
  }
  get stats() {
    return this.shell.state.stats;
  }
  get committing() {
    return this.shell.state.inFlight !== undefined;
  }
  get roles() {
    return this.shell.state.session?.roles;
  }

  receive(message: ServerMessage): void {
    void this.shell.enqueue((d) => handleServerMessage(d, this.ctx, message), undefined);
  }

  /**
   * The connection to the server was lost (the app reconnects): a commit of ours that went out on
   * it may have died with the server's node, which is not the server withholding it.
   */
  connectionLost(): void {
    void this.shell.enqueue((d) => connectionLost(d, this.ctx), undefined);
  }

  sendApplication(data: Uint8Array): Promise<boolean> {
    return this.shell.enqueue((d) => seal(d, encodeOpaque(data)), false);
  }

  async sendChat(text: string): Promise<boolean> {
    if (text.length === 0 || text.length > MAX_CHAT_TEXT) {
      throw new E2eeUsageError(`chat text must be 1-${MAX_CHAT_TEXT} characters`);
    }
    return this.#typed(() => ({ t: "chat", text }));
  }

  async raiseHand(at: number): Promise<boolean> {
    if (!isTimestamp(at)) throw new E2eeUsageError("a hand is raised at a whole number of ms");
    return this.#typed(() => ({ t: "hand-raise", at }));
  }

  lowerHand(leaf?: number): Promise<boolean> {
    return this.#typed((state) => {
      const target = leaf ?? state.session?.ownLeafIndex;
      return target === undefined ? undefined : { t: "hand-lower", leaf: target };
    });
  }

  async sendReaction(emoji: Reaction): Promise<boolean> {
    if (!isReaction(emoji)) throw new E2eeUsageError("not one of the allowed reactions");
    return this.#typed(() => ({ t: "reaction", emoji }));
  }

  announceRecording(active: boolean): Promise<boolean> {
    return this.#typed(() => ({ t: active ? "recording-start" : "recording-stop" }));
  }

  askToUnmute(fingerprint: string): Promise<boolean> {
    return this.#toMember(fingerprint, "ask-unmute");
  }

  muteMember(fingerprint: string): Promise<boolean> {
    return this.#toMember(fingerprint, "mute");
  }

  muteEveryone(): Promise<boolean> {
    return this.#toEveryone("mute-all");
  }

  endMeeting(): Promise<boolean> {
    return this.#toEveryone("end-meeting");
  }

  resync(why: string): void {
    void this.shell.enqueue(async (d) => {
      if (d.state.status === "member") await rejoin(d, this.ctx, why);
    }, undefined);
  }

  leave(): Promise<boolean> {
    return this.#typed(() => ({ t: "goodbye" }));
  }

  requestSelfUpdate(): void {
    void this.shell.enqueue((d) => {
      d.set({ duty: { ...d.state.duty, nextSelfUpdate: this.ctx.now() } });
    }, undefined);
  }

  setLocked(locked: boolean): Promise<boolean> {
    return this.#change(() => ({ kind: "set-locked", locked }));
  }

  setLobby(settings: { lobbyMandatory: boolean; knockingEnabled: boolean }): Promise<boolean> {
    const { lobbyMandatory, knockingEnabled } = settings;
    return this.#change(() => ({ kind: "set-lobby", lobbyMandatory, knockingEnabled }));
  }

  async makeCoHost(text: string, on: boolean): Promise<boolean> {
    const fingerprint = fingerprintArgument(text);
    return this.#change(() => ({ kind: "co-host", fingerprint, on }));
  }

  async transferHost(text: string): Promise<boolean> {
    const to = fingerprintArgument(text);
    return this.#change((from) => ({ kind: "transfer-host", from, to }));
  }

  async deny(text: string): Promise<boolean> {
    const fingerprint = fingerprintArgument(text);
    return this.#change(() => ({ kind: "deny", fingerprint }));
  }

  async block(text: string): Promise<boolean> {
    const fingerprint = fingerprintArgument(text);
    return this.shell.enqueue((d) => {
      const generation = (d.state.session?.roles.inviteGeneration ?? 0) + 1;
      return askChange(d, () => ({ kind: "block", fingerprint, generation }));
    }, false);
  }

  remove(leaf: number): Promise<boolean> {
    return this.shell.enqueue((d) => askRemove(d, leaf), false);
  }

  admit(participantId: string, keyPackageRef: string): Promise<boolean> {
    return this.shell.enqueue((d) => askAdmit(d, participantId, keyPackageRef), false);
  }

  async exportSecret(label: string, context: Uint8Array, length: number) {
    const { session, status } = this.shell.state;
    if (session === undefined || status !== "member") return undefined;
    return exportSecret(session, label, context, length);
  }

  on<K extends keyof MemberEvents>(name: K, listener: (value: MemberEvents[K]) => void) {
    return this.shell.events.on(name, listener);
  }

  idle(): Promise<void> {
    return this.shell.idle();
  }

  close(): void {
    this.shell.close();
  }

  /** Seals a typed message in its turn on the queue, made then (it may name our own leaf). */
  #typed(make: (state: MemberState) => TypedAppMessage | undefined): Promise<boolean> {
    return this.shell.enqueue((d) => sendTyped(d, make), false);
  }

  async #toMember(text: string, t: "ask-unmute" | "mute"): Promise<boolean> {
    const to = fingerprintArgument(text);
    return this.shell.enqueue((d) => sendHostCommand(d, t, (s) => toMember(s, t, to)), false);
  }

  #toEveryone(t: "mute-all" | "end-meeting"): Promise<boolean> {
    return this.shell.enqueue((d) => sendHostCommand(d, t, () => ({ t })), false);
  }

  #change(make: (me: Fingerprint) => RolesChange): Promise<boolean> {
    return this.shell.enqueue((d) => askChange(d, make), false);
  }
}
