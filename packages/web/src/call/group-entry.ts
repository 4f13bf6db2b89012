/**
 * Our way into the encrypted group once the server let us in: why it takes long (the meeting is
 * locked, or hosts admit everyone), and when it failed, with a Retry offered.
 */
import type { GroupView } from "../worker/reports.ts";
import { Store } from "./store.ts";

/**
 * Where our way into the group is, as this page sees it from the messages it passes on: the
 * device key (a KeyPackage) went to the members, or a Welcome came back and is being opened.
 */
export type JoinStep =
  | { readonly kind: "key-sent"; readonly at: number; readonly count: number }
  | { readonly kind: "welcome"; readonly at: number };

export interface GroupEntryState {
  /** The last step of joining the group; null before the first key is sent, and once in. */
  readonly step: JoinStep | null;
  /** Why joining the encrypted group failed; null while all is well. */
  readonly e2eeFailure: string | null;
  /** While we wait outside the group: why (server `room-status`); null once we are in. */
  readonly roomStatus: { readonly locked: boolean; readonly lobbyMandatory: boolean } | null;
}

/** Not in the encrypted group this long after `welcome`: the participant is told so, may retry. */
const E2EE_JOIN_TIMEOUT_MS = 30_000;

export class GroupEntry extends Store<GroupEntryState> {
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `outside`: we are in the meeting but not (yet) a member of its encrypted group. */
  constructor(private readonly outside: () => boolean) {
    super({ e2eeFailure: null, roomStatus: null, step: null });
  }

  /**
   * After `welcome`: a member has some time to let this device in, unless the meeting is locked
   * or its lobby mandatory: then a host has to act, and the banner says so.
   */
  start(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.outside()) return;
      const status = this.state.roomStatus;
      if (status?.locked || status?.lobbyMandatory) {
        this.start();
        return;
      }
      this.update({
        e2eeFailure:
          "Could not join the encrypted group: no member let this device in within 30 seconds.",
      });
    }, E2EE_JOIN_TIMEOUT_MS);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.update({ step: null });
  }

  /** Our KeyPackage went to the server, for the members (a refresh counts again). */
  keyPackageSent(): void {
    const count = this.state.step?.kind === "key-sent" ? this.state.step.count + 1 : 1;
    this.update({ step: { kind: "key-sent", at: Date.now(), count } });
  }

  /** A Welcome came for us: the worker opens it. */
  welcomeArrived(): void {
    this.update({ step: { kind: "welcome", at: Date.now() } });
  }

  setRoomStatus(roomStatus: { readonly locked: boolean; readonly lobbyMandatory: boolean }): void {
    this.update({ roomStatus });
  }

  /** The failure is shown no more: a new connection makes the engine try again, or we left. */
  clearFailure(): void {
    this.update({ e2eeFailure: null });
  }

  /** The worker's group changed: in at last, or failed (a removal ends the meeting instead). */
  groupChanged(before: GroupView, now: GroupView): void {
    if (now.status === "member") {
      if (before.status !== "member") this.update({ e2eeFailure: null, step: null });
      if (this.state.roomStatus !== null) this.update({ roomStatus: null });
    }
    if (now.status === "removed" && before.status === "member") return;
    if (now.status === "failed" || now.status === "removed") {
      this.update({
        e2eeFailure:
          now.failure ?? "This device was removed from the encrypted group. Rejoin to continue.",
      });
    }
  }
}
