import type { Reaction } from "@conclave/protocol";
import type { PageToWorker, WorkerToPage } from "../worker/messages.ts";
import type { GroupView } from "../worker/reports.ts";
import { chatTranscript, meetingFileName } from "./chat-transcript.ts";
import { handsOfMembers, orderHands, type QueuedHand, type RaisedHand } from "./hand-queue.ts";
import { LiveText } from "./live-text.ts";
import { canRecord, LocalRecording, type RecordedParticipant } from "./local-recording.ts";
import { saveFile } from "./save-file.ts";
import { Store } from "./store.ts";

/** What members say to each other through MLS, as the worker reports it (e2ee-worker-client.ts). */
export type ActivityMessage = Extract<
  WorkerToPage,
  { type: "chat" | "chat-result" | "hand" | "reaction" | "recording" }
>;
export type ActivityRequest = Extract<
  PageToWorker,
  { type: "send-chat" | "set-hand" | "send-reaction" | "set-recording" }
>;

export interface ChatEntry {
  readonly id: number;
  /** The sender's name from its signed hello; "You" for our own. */
  readonly name: string;
  readonly text: string;
  readonly self: boolean;
  /** ms since 1970 on this device: when it was sent or received here */
  readonly at: number;
}

export interface ShownReaction {
  readonly id: number;
  /** The sender's leaf; null for our own. */
  readonly leaf: number | null;
  readonly emoji: Reaction;
}

export interface Recorder {
  readonly leaf: number;
  readonly name: string;
}

export interface ActivityState {
  /** The chat of this meeting, kept on this device only. */
  readonly chat: readonly ChatEntry[];
  /** Messages from others since the chat was last visible. */
  readonly unread: number;
  readonly chatError: string | null;
  /** When we raised our hand, or null. */
  readonly ownHandAt: number | null;
  /** Everyone's raised hands, ours included, in raise order. */
  readonly hands: readonly QueuedHand[];
  /** Reactions showing now. */
  readonly reactions: readonly ShownReaction[];
  /** Other members who said they are recording, in the order they started. */
  readonly recorders: readonly Recorder[];
  readonly recording: boolean;
  readonly recordingError: string | null;
  /** Text for a polite live region: hands raised, recording started and stopped. */
  readonly announcement: string;
}

const MAX_CHAT_ENTRIES = 2000;
const RECONNECTING_CHAT =
  "Not sent: you are reconnecting. Your message stays here; send it once you are back.";
/** How long a reaction shows on its sender's tile. */
export const REACTION_MS = 4000;
/** At most this many reactions show per sender: a flood pushes out its own oldest. */
const REACTIONS_PER_SENDER = 3;

/**
 * The meeting's shared activity: chat, raised hands, reactions, who records. Everything here
 * came through MLS (or goes out through it) and is named from the MLS roster by the leaf that
 * signed it; nothing is ever sent to the server in clear.
 */
export class MeetingActivity extends Store<ActivityState> {
  private nextId = 1;
  private readonly pendingChat = new Map<number, string>();
  /** Whether our connection to the meeting is up: a message sent while it is down would be lost. */
  private connected = true;
  private chatVisible = false;
  private hands = new Map<number, RaisedHand>();
  /** leaf → fingerprint of the member that said it records */
  private recorderKeys = new Map<number, string>();
  private group: GroupView | null = null;
  private recorder: LocalRecording | null = null;
  private readonly reactionTimers = new Set<ReturnType<typeof setTimeout>>();
  private readonly live = new LiveText();
  /** Closing the page mid-recording would lose the file: the browser asks first. */
  private readonly keepRecording = (event: Event) => event.preventDefault();

  constructor(private readonly send: (request: ActivityRequest) => void) {
    super({
      chat: [],
      unread: 0,
      chatError: null,
      ownHandAt: null,
      hands: [],
      reactions: [],
      recorders: [],
      recording: false,
      recordingError: null,
      announcement: "",
    });
  }

  /** The MLS group changed: hands and recorders of members who left go, names follow. */
  setGroup(group: GroupView): void {
    this.group = group;
    this.hands = handsOfMembers(this.hands, group.roster);
    for (const [leaf, fingerprint] of this.recorderKeys) {
      const member = group.roster.find((r) => r.leaf === leaf);
      if (!member || member.self || member.fingerprint !== fingerprint) {
        this.recorderKeys.delete(leaf);
      }
    }
    this.publish();
  }

  receive(message: ActivityMessage): void {
    switch (message.type) {
      case "chat":
        this.addChat({ name: message.name, text: message.text, self: false });
        return;
      case "chat-result": {
        const text = this.pendingChat.get(message.id);
        this.pendingChat.delete(message.id);
        if (text === undefined) return;
        if (message.ok) this.addChat({ name: "You", text, self: true });
        else this.update({ chatError: "Not sent: this device is not in the encrypted group yet." });
        return;
      }
      case "hand":
        this.onHand(message.leaf, message.raisedAt);
        return;
      case "reaction":
        this.showReaction(message.sender, message.emoji);
        return;
      case "recording":
        this.onRecording(message.sender, message.active);
        return;
    }
  }

  /** Our connection to the meeting went down (reconnecting) or is back. */
  setConnected(connected: boolean): void {
    this.connected = connected;
    if (connected && this.state.chatError === RECONNECTING_CHAT) this.update({ chatError: null });
  }

  /** Sends a message to everyone; false, and nothing sent, while we are reconnecting. */
  sendChat(text: string): boolean {
    if (!this.connected) {
      this.update({ chatError: RECONNECTING_CHAT });
      return false;
    }
    const id = this.nextId++;
    this.pendingChat.set(id, text);
    this.update({ chatError: null });
    this.send({ type: "send-chat", id, text });
    return true;
  }

  /** While the chat is on screen, nothing in it is unread. */
  setChatVisible(visible: boolean): void {
    this.chatVisible = visible;
    if (visible && this.state.unread > 0) this.update({ unread: 0 });
  }

  /** The chat as a .txt file, for Save chat. */
  transcript(): { file: Blob; name: string } {
    return {
      file: new Blob([chatTranscript(this.state.chat)], { type: "text/plain;charset=utf-8" }),
      name: meetingFileName("chat", "txt", Date.now()),
    };
  }

  setHand(raised: boolean): void {
    if (raised === (this.state.ownHandAt !== null)) return;
    const raisedAt = raised ? Date.now() : null;
    this.send({ type: "set-hand", raisedAt });
    this.update({ ownHandAt: raisedAt });
    this.publish();
    this.announce(raised ? "You raised your hand" : "You lowered your hand");
  }

  react(emoji: Reaction): void {
    this.send({ type: "send-reaction", emoji });
    this.showReaction(null, emoji);
  }

  /** Records the meeting on this device; `sources` is read on every frame. */
  startRecording(sources: () => readonly RecordedParticipant[]): void {
    if (this.recorder !== null) return;
    if (!canRecord()) {
      this.update({ recordingError: "This browser cannot record the meeting." });
      return;
    }
    try {
      this.recorder = new LocalRecording(sources, (file) => {
        saveFile(file, meetingFileName("recording", "webm", Date.now()));
      });
    } catch (error) {
      this.update({ recordingError: `Could not start recording: ${String(error)}` });
      return;
    }
    addEventListener("beforeunload", this.keepRecording);
    this.send({ type: "set-recording", active: true });
    this.update({ recording: true, recordingError: null });
    this.announce("Recording started. Everyone in the meeting is told.");
  }

  /** Stops recording; the file goes to this device's downloads. */
  stopRecording(): void {
    if (this.recorder === null) return;
    this.recorder.stop();
    this.recorder = null;
    removeEventListener("beforeunload", this.keepRecording);
    this.send({ type: "set-recording", active: false });
    this.update({ recording: false });
    this.announce("Recording stopped. The file is in your downloads.");
  }

  /** The meeting is over for us: a recording in progress is saved, timers stop. */
  close(): void {
    this.stopRecording();
    for (const timer of this.reactionTimers) clearTimeout(timer);
    this.reactionTimers.clear();
  }

  /** We lowered the hand of `leaf` as a host: the others heard it; our engine does not echo it. */
  handLowered(leaf: number): void {
    this.onHand(leaf, null);
  }

  private onHand(leaf: number, raisedAt: number | null): void {
    if (leaf === this.group?.ownLeaf) {
      // Only a host or co-host lowers another's hand: the engine refused anyone else's word.
      if (raisedAt === null && this.state.ownHandAt !== null) {
        this.update({ ownHandAt: null });
        this.publish();
        this.announce("A host lowered your hand");
      }
      return;
    }
    const member = this.group?.roster.find((r) => r.leaf === leaf && !r.self);
    if (member === undefined) return;
    const wasUp = this.hands.has(leaf);
    if (raisedAt === null) this.hands.delete(leaf);
    else this.hands.set(leaf, { leaf, fingerprint: member.fingerprint, at: raisedAt });
    this.publish();
    // Said again to each newcomer: announce only a change.
    if (raisedAt !== null && !wasUp) this.announce(`${member.name} raised their hand`);
  }

  private onRecording(leaf: number, active: boolean): void {
    const member = this.group?.roster.find((r) => r.leaf === leaf && !r.self);
    if (member === undefined) return;
    const was = this.recorderKeys.has(leaf);
    if (active) this.recorderKeys.set(leaf, member.fingerprint);
    else this.recorderKeys.delete(leaf);
    this.publish();
    if (active !== was) {
      this.announce(`${member.name} ${active ? "started" : "stopped"} recording`);
    }
  }

  private showReaction(leaf: number | null, emoji: Reaction): void {
    const id = this.nextId++;
    const mine = this.state.reactions.filter((r) => r.leaf === leaf);
    const dropped = new Set(mine.slice(0, mine.length - REACTIONS_PER_SENDER + 1).map((r) => r.id));
    const reactions = [
      ...this.state.reactions.filter((r) => !dropped.has(r.id)),
      { id, leaf, emoji },
    ];
    this.update({ reactions });
    const timer = setTimeout(() => {
      this.reactionTimers.delete(timer);
      this.update({ reactions: this.state.reactions.filter((r) => r.id !== id) });
    }, REACTION_MS);
    this.reactionTimers.add(timer);
  }

  private addChat(entry: Omit<ChatEntry, "id" | "at">): void {
    const chat = [...this.state.chat, { ...entry, id: this.nextId++, at: Date.now() }];
    const unread = this.chatVisible || entry.self ? this.state.unread : this.state.unread + 1;
    this.update({ chat: chat.slice(-MAX_CHAT_ENTRIES), unread });
  }

  /** Recomputes the hand queue and the recorders' names from the current roster. */
  private publish(): void {
    const roster = this.group?.roster ?? [];
    const own = { leaf: this.group?.ownLeaf ?? null, at: this.state.ownHandAt };
    const recorders: Recorder[] = [];
    for (const leaf of this.recorderKeys.keys()) {
      recorders.push({ leaf, name: roster.find((r) => r.leaf === leaf)?.name ?? "" });
    }
    this.update({ hands: orderHands(this.hands, own, roster), recorders });
  }

  private announce(text: string): void {
    this.update({ announcement: this.live.next(text) });
  }
}
