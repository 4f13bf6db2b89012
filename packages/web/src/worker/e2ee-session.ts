/**
 * The meeting's end-to-end encryption, all of it inside the media worker: the device identity, the
 * MLS member engine (@conclave/e2ee) and the meeting's media over its key ring (MeetingMedia:
 * ring swap, removed members, next-epoch hold, receive streams, media alarms). The page gets
 * codes, the roster, the epoch, counts and what members said (chat, hands, reactions, recording);
 * never a key.
 */

import {
  type Admission,
  createMeetingMember,
  deriveInviteKeys,
  distinctNames,
  MeetingMedia,
  type MeetingMember,
  parseFingerprint,
  type SecurityAlarm,
} from "@conclave/e2ee";
import {
  isProtocolError,
  type MediaSource,
  normaliseDisplayName,
  parseServerMessage,
  type Reaction,
  type RoomId,
} from "@conclave/protocol";
import { deviceIdentity } from "./device-identity-store.ts";
import type { HostAction, MeetingAccessKeys, ReceivedTrack, WorkerToPage } from "./messages.ts";
import type { AlarmView, GroupView, MediaKind, SframeReport } from "./reports.ts";

/** A hex fingerprint as the roster shows it, in groups of four. */
const spaced = (hex: string) => (hex.match(/.{1,4}/g) ?? []).join(" ");

export type EncodedFrame = RTCEncodedAudioFrame | RTCEncodedVideoFrame;

/** What became of one frame: passed on now, dropped (counted), or held for the next epoch. */
export type FrameVerdict =
  | { readonly outcome: "pass" }
  | { readonly outcome: "drop"; readonly reason: string }
  | { readonly outcome: "held" };

const PASS: FrameVerdict = { outcome: "pass" };
const HELD: FrameVerdict = { outcome: "held" };

/** The frame's new bytes as an ArrayBuffer of exactly its length. */
function bufferOf(bytes: Uint8Array<ArrayBuffer>): ArrayBuffer {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer
    : bytes.slice().buffer;
}

async function admissionOf(access: MeetingAccessKeys): Promise<Admission> {
  if ("pinnedHost" in access) {
    const pinned = access.pinnedHost === null ? undefined : parseFingerprint(access.pinnedHost);
    if (access.pinnedHost !== null && pinned === undefined) {
      throw new Error("the knock link's host fingerprint is not 32 bytes of hex");
    }
    return { kind: "knock", pinnedHost: pinned };
  }
  // The admit key is a non-extractable WebCrypto key: it never leaves this worker.
  const keys = await deriveInviteKeys(access.inviteSecret, access.roomId as RoomId);
  if (keys === undefined) throw new Error("the invite secret is not 32 bytes of base64url");
  return { kind: "invite", keys };
}

export class E2eeSession {
  private readonly media: MeetingMedia;
  /** Who removed us, once a commit did (GroupView.removedBy). */
  private removedBy: GroupView["removedBy"] = null;
  private lastGroup = "";
  /** Pair words by `securityCode/fingerprint`, for the current roster (deriveComparisons). */
  private comparisons = new Map<string, readonly string[]>();
  /** Other members who have named themselves, by leaf and fingerprint. */
  private named = new Set<string>();
  /** What we told the group about ourselves; told again whenever members are added. */
  private handRaisedAt: number | null = null;
  private recording = false;

  private constructor(
    private readonly member: MeetingMember,
    private readonly post: (message: WorkerToPage) => void,
  ) {
    this.media = new MeetingMedia(member);
    this.media.on("alarm", (alarm) => post({ type: "alarm", alarm }));
    this.media.on("bindings", (bindings) =>
      post({ type: "bindings", bindings: Object.fromEntries(bindings) }),
    );
    this.media.on("failure", ({ message }) => this.reportFailure(new Error(message)));
    member.on("epoch", (event) => {
      this.postGroup();
      // Members added since cannot read what we said before (as with the engine's hello).
      const others = event.added.some((leaf) => leaf !== member.ownLeaf);
      if (others || event.reason === "joined" || event.reason === "founded") this.retell();
    });
    member.on("roster", (roster) => {
      this.postGroup();
      // A member that has just named itself is in the group and reading, whatever the timing of
      // its Add: it hears again whose hand is up and who records, should it have missed it.
      const named = new Set(
        roster.filter((r) => !r.self && r.nameConfirmed).map((r) => `${r.leaf}/${r.fingerprint}`),
      );
      const fresh = [...named].some((key) => !this.named.has(key));
      this.named = named;
      if (fresh) this.retell();
    });
    member.on("removed", ({ by }) => {
      this.removedBy =
        by === undefined ? null : { name: by.displayName, fingerprint: by.fingerprint };
      this.postGroup();
    });
    member.on("chat", ({ sender, displayName, text }) =>
      post({ type: "chat", sender, name: displayName || "Someone joining", text }),
    );
    member.on("hand-raise", ({ sender, at }) => post({ type: "hand", leaf: sender, raisedAt: at }));
    member.on("hand-lower", ({ leaf }) => {
      // A host lowered ours: it stays down when we rejoin.
      if (leaf === member.ownLeaf) this.handRaisedAt = null;
      post({ type: "hand", leaf, raisedAt: null });
    });
    member.on("reaction", ({ sender, emoji }) => post({ type: "reaction", sender, emoji }));
    member.on("recording", ({ sender, active }) => post({ type: "recording", sender, active }));
    member.on("host-command", ({ sender, command }) =>
      post({ type: "host-command", sender, command }),
    );
    member.on("error", ({ code, message }) => post({ type: "member-error", code, message }));
    member.on("reconnect", ({ reason }) => post({ type: "reconnect", reason }));
    member.on("security", ({ reason, fingerprint, epoch }) =>
      post({
        type: "security-event",
        // The engine's `detail` stays here: the page gets the reason and the device, nothing else.
        event: {
          at: Date.now(),
          reason,
          fingerprint: fingerprint ?? null,
          epoch: epoch === undefined ? null : String(epoch),
        },
      }),
    );
    member.on("invite-replaced", ({ secret }) => post({ type: "invite-replaced", secret }));
    // Who is waiting: the device of an upload, and the name it sealed for us if any.
    member.on("upload", ({ participantId, fingerprint, claimedName, keyPackageRef }) =>
      post({
        type: "upload",
        participantId,
        fingerprint,
        name: claimedName ?? null,
        keyPackageRef,
      }),
    );
    member.on("upload-ended", ({ participantId }) => post({ type: "upload-ended", participantId }));
    member.on("alarm", (alarm) => post({ type: "alarm", alarm: alarmView(alarm) }));
    member.on("roles", (roles) =>
      post({
        type: "roles",
        roles: {
          hosts: roles.hosts.map(spaced),
          coHosts: roles.coHosts.map(spaced),
          denied: roles.denyList.map(spaced),
          ...roles.settings,
        },
      }),
    );
  }

  /**
   * Makes the device identity and the engine; rejects if this browser cannot run MLS. With an
   * invite secret we join by proof; with a knock link we wait for a host (docs/e2ee.md "Admission").
   */
  static async start(
    displayName: string,
    access: MeetingAccessKeys,
    post: (message: WorkerToPage) => void,
  ): Promise<E2eeSession> {
    const admission = await admissionOf(access);
    const identity = await deviceIdentity(normaliseDisplayName(displayName));
    const member = createMeetingMember({
      identity,
      admission,
      send: (message) => post({ type: "mls-send", message }),
    });
    const session = new E2eeSession(member, post);
    session.postGroup();
    return session;
  }

  /** The page lost its connection to the server: a commit of ours out on it may be lost too. */
  serverLost(): void {
    this.member.connectionLost();
  }

  /** A server message the page relays, validated again here (postMessage is a boundary too). */
  receiveServer(raw: string): void {
    let message: ReturnType<typeof parseServerMessage>;
    try {
      message = parseServerMessage(raw);
    } catch (error) {
      const code = isProtocolError(error) ? error.code : "BAD_MESSAGE";
      this.post({ type: "member-error", code: "BAD_INPUT", message: `relayed message: ${code}` });
      return;
    }
    this.member.receive(message);
    // The status moves without an event (e.g. joining starts): report once it is handled.
    this.member
      .idle()
      .then(() => this.postGroup())
      .catch((error: unknown) => this.reportFailure(error));
  }

  setReceiveMids(mids: Readonly<Record<string, ReceivedTrack>>): void {
    this.media.setReceiveTracks(mids);
  }

  /**
   * Seals one of our frames in place, keyed for its source's stream (one KID and counter per
   * source); a frame that cannot be sealed is never sent (DESIGN §6).
   */
  async encrypt(source: MediaSource, frame: EncodedFrame): Promise<FrameVerdict> {
    const result = await this.media.encrypt(source, new Uint8Array(frame.data));
    if (!result.ok) return { outcome: "drop", reason: result.reason };
    frame.data = bufferOf(result.frame);
    return PASS;
  }

  /**
   * Opens one received frame in place. Nothing that fails reaches the decoder; a frame keyed with
   * the next epoch is held and handed to `deliver` once that epoch's keys are in.
   */
  async decrypt(
    mid: string,
    kind: MediaKind,
    frame: EncodedFrame,
    deliver: (frame: EncodedFrame) => void,
  ): Promise<FrameVerdict> {
    const received = await this.media.decrypt(mid, kind, new Uint8Array(frame.data), (late) => {
      frame.data = bufferOf(late.frame);
      deliver(frame);
    });
    if (received.outcome === "held") return HELD;
    if (received.outcome === "dropped") return { outcome: "drop", reason: received.reason };
    frame.data = bufferOf(received.frame);
    return PASS;
  }

  async sendChat(id: number, text: string): Promise<void> {
    let ok = false;
    try {
      ok = await this.member.sendChat(text);
    } catch {
      ok = false;
    }
    this.post({ type: "chat-result", id, ok });
  }

  async setHand(raisedAt: number | null): Promise<void> {
    this.handRaisedAt = raisedAt;
    await this.tell(() =>
      raisedAt === null ? this.member.lowerHand() : this.member.raiseHand(raisedAt),
    );
  }

  async setRecording(active: boolean): Promise<void> {
    this.recording = active;
    await this.tell(() => this.member.announceRecording(active));
  }

  async sendReaction(emoji: Reaction): Promise<void> {
    await this.tell(() => this.member.sendReaction(emoji));
  }

  /** Says goodbye to the group before the page sends `leave` (MeetingMember.leave). */
  async goodbye(): Promise<void> {
    await this.tell(() => this.member.leave());
    this.post({ type: "goodbye-sent" });
  }

  /** A host's or co-host's request; the engine refuses what our role does not allow. */
  async host(action: HostAction): Promise<void> {
    const m = this.member;
    const ok = await this.tell(async () => {
      switch (action.kind) {
        case "admit":
          return m.admit(action.participantId, action.keyPackageRef);
        case "remove":
          return m.remove(action.leaf);
        case "block":
          return m.block(action.fingerprint);
        case "set-locked":
          return m.setLocked(action.locked);
        case "set-lobby":
          return m.setLobby(action);
        case "make-co-host":
          return m.makeCoHost(action.fingerprint, action.on);
        case "ask-unmute":
          return m.askToUnmute(action.fingerprint);
        case "mute":
          return m.muteMember(action.fingerprint);
        case "mute-all":
          return m.muteEveryone();
        case "end-meeting":
          return m.endMeeting();
        case "transfer-host":
          return m.transferHost(action.fingerprint);
        case "lower-hand":
          return m.lowerHand(action.leaf);
      }
    });
    this.post({ type: "host-done", kind: action.kind, ok });
  }

  report(): SframeReport {
    const hold = this.media.holdStats();
    return {
      ...this.media.frameStats(),
      holdExpired: hold.expired,
      holdOverflow: hold.overflow,
    };
  }

  groupView(): GroupView {
    const m = this.member;
    // Same-named members are told apart by fingerprint (member/display-names.ts).
    const shown = distinctNames(
      m.roster.map((r) => ({ leaf: r.leaf, name: r.displayName, fingerprint: r.fingerprint })),
    );
    const status =
      m.status === "member" ? "member" : m.status === "removed" ? "removed" : "joining";
    return {
      status,
      epoch: m.epoch === undefined ? null : String(m.epoch),
      ownLeaf: m.ownLeaf ?? null,
      securityCode: m.securityCode ?? null,
      ciphersuite: m.ciphersuite ?? null,
      roster: m.roster.map((r) => ({
        leaf: r.leaf,
        // A name arrives in the member's own signed hello, shortly after it joins.
        name: shown.get(r.leaf) || "Joining…",
        fingerprint: r.fingerprint,
        self: r.self,
        nameConfirmed: r.nameConfirmed,
        comparison: this.comparisonWith(r.fingerprint),
      })),
      failure: null,
      removedBy: this.removedBy,
    };
  }

  private comparisonWith(fingerprint: string): string[] | null {
    const words = this.comparisons.get(`${this.member.securityCode}/${fingerprint}`);
    return words === undefined ? null : [...words];
  }

  close(): void {
    this.media.close();
    this.member.close();
  }

  private postGroup(): void {
    const group = this.groupView();
    const text = JSON.stringify(group);
    if (text === this.lastGroup) return;
    this.lastGroup = text;
    this.post({ type: "group", group });
    this.deriveComparisons().catch((error: unknown) => this.reportFailure(error));
  }

  /**
   * Derives the words of each pair we are in that the roster lacks, then reports the group again.
   * Keyed by security code, so a roster change (which changes the words) starts afresh.
   */
  private async deriveComparisons(): Promise<void> {
    const code = this.member.securityCode;
    const missing = this.member.roster.filter(
      (r) => !r.self && !this.comparisons.has(`${code}/${r.fingerprint}`),
    );
    if (code === undefined || missing.length === 0) return;
    const derived = new Map<string, readonly string[]>();
    for (const r of missing) {
      const words = await this.member.pairWords(r.fingerprint);
      if (words !== undefined) derived.set(`${code}/${r.fingerprint}`, words);
    }
    if (this.member.securityCode !== code || derived.size === 0) return;
    for (const [key, words] of this.comparisons) {
      if (key.startsWith(`${code}/`)) derived.set(key, words);
    }
    this.comparisons = derived;
    this.postGroup();
  }

  /**
   * Runs an engine request; what it resolved, or false after reporting its error. Not a member
   * yet: nothing is sent, and `retell` says it once we are in.
   */
  private async tell(send: () => Promise<boolean>): Promise<boolean> {
    try {
      return await send();
    } catch (error) {
      this.reportFailure(error);
      return false;
    }
  }

  /** Something this worker did failed: the page shows it in Diagnostics. */
  private reportFailure(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.post({ type: "member-error", code: "LOCAL_FAILURE", message: message.slice(0, 1000) });
  }

  private retell(): void {
    const at = this.handRaisedAt;
    if (at !== null) void this.tell(() => this.member.raiseHand(at));
    if (this.recording) void this.tell(() => this.member.announceRecording(true));
  }
}

/** An engine alarm as the page's schema has it (reports.ts AlarmView): epochs as decimal text. */
function alarmView(alarm: SecurityAlarm): AlarmView {
  switch (alarm.kind) {
    case "withheld-commit":
    case "forged-rollback":
      return { kind: alarm.kind, epoch: String(alarm.epoch) };
    case "rolled-back":
      return { kind: alarm.kind, epoch: String(alarm.epoch), committer: alarm.committer ?? null };
    case "unknown-participant":
      return alarm;
  }
}
