import type { HostCommand } from "../worker/messages.ts";
import { Store } from "./store.ts";

/** The part of LocalMedia a host command touches: our own microphone, by our own client. */
export interface Microphone {
  readonly state: { readonly mic: string };
  setMicOn(on: boolean): void;
  subscribe(listener: () => void): () => void;
}

export interface HostCommandsState {
  /** A host or co-host asked us to unmute (their name): shown until we answer it. */
  readonly unmuteAsk: string | null;
  /** A host or co-host muted us (their name): shown until dismissed or we unmute. */
  readonly mutedBy: string | null;
  /** Text for an assertive live region. */
  readonly announcement: string;
}

/**
 * What hosts and co-hosts ask of us (docs/e2ee.md "Host commands"); the worker's engine has checked
 * the sender's role in the group context before any reaches the page. A mute is done by our own
 * client and we may unmute at once; an ask to unmute only asks: the microphone goes on only when
 * the user clicks Unmute. Ending the meeting is the meeting store's (`ended`).
 */
export class HostCommands extends Store<HostCommandsState> {
  private readonly unsubscribe: () => void;

  constructor(
    private readonly mic: Microphone,
    private readonly ended: (by: string) => void,
  ) {
    super({ unmuteAsk: null, mutedBy: null, announcement: "" });
    this.unsubscribe = mic.subscribe(() => {
      if (mic.state.mic === "on" && (this.state.mutedBy ?? this.state.unmuteAsk) !== null) {
        this.update({ mutedBy: null, unmuteAsk: null });
      }
    });
  }

  receive(from: string, command: HostCommand): void {
    switch (command) {
      case "ask-unmute":
        if (this.mic.state.mic === "on") return;
        this.update({ unmuteAsk: from, announcement: `${from} asks you to unmute` });
        return;
      case "mute":
        this.update({ unmuteAsk: null });
        if (this.mic.state.mic === "on") this.mic.setMicOn(false);
        this.update({ mutedBy: from, announcement: `${from} muted you` });
        return;
      case "end-meeting":
        this.ended(from);
        return;
    }
  }

  /** The user's answer to an ask: the one way an ask turns the microphone on. */
  unmute(): void {
    this.update({ unmuteAsk: null, mutedBy: null });
    this.mic.setMicOn(true);
  }

  dismiss(): void {
    this.update({ unmuteAsk: null, mutedBy: null });
  }

  close(): void {
    this.unsubscribe();
    this.update({ unmuteAsk: null, mutedBy: null });
  }
}
