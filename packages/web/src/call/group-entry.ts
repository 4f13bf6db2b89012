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

/**
 * How long the members have to let this device in once its key reached them (the members' part of
 * the join): then the participant is told so, and may retry. Our own part (making the key, on a
 * device that may be starved of CPU) is not counted against them: on a loaded machine it alone
 * took close to 30 s (e2e/join-under-load.test.ts), and the page gave up on a join under way.
 */
const E2EE_JOIN_TIMEOUT_MS = 30_000;
/** Our own part: the worker has this long after `welcome` to make the key and send it. */
const KEY_TIMEOUT_MS = 60_000;

export class GroupEntry extends Store<GroupEntryState> {
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `outside`: we are in the meeting but not (yet) a member of its encrypted group. */
  constructor(private readonly outside: () => boolean) {
    super({ e2eeFailure: null, roomStatus: null, step: null });
  }

  /** After `welcome`: this device makes its key and sends it to the members. */
  start(): void {
    this.arm(
      KEY_TIMEOUT_MS,
      "Could not join the encrypted group: this device did not get its key ready within a minute. The browser may be short of memory or processor time.",
    );
  }

  /**
   * A member has some time to let this device in, unless the meeting is locked or its lobby
   * mandatory: then a host has to act, and the banner says so.
   */
  private arm(ms: number, failure: string): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      if (!this.outside()) return;
      const status = this.state.roomStatus;
      if (status?.locked || status?.lobbyMandatory) {
        this.arm(ms, failure);
        return;
      }
      this.update({ e2eeFailure: failure });
    }, ms);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.update({ step: null });
  }

  /**
   * Our KeyPackage went to the server, for the members. The first one starts the members' time; a
   * refresh (nobody added us yet) does not start it again.
   */
  keyPackageSent(): void {
    const count = this.state.step?.kind === "key-sent" ? this.state.step.count + 1 : 1;
    this.update({ step: { kind: "key-sent", at: Date.now(), count } });
    if (count === 1) {
      this.arm(
        E2EE_JOIN_TIMEOUT_MS,
        "Could not join the encrypted group: no member let this device in within 30 seconds of receiving its key.",
      );
    }
  }

  /** A Welcome came for us: the worker opens it, with the same time again. */
  welcomeArrived(): void {
    this.update({ step: { kind: "welcome", at: Date.now() } });
    this.arm(
      E2EE_JOIN_TIMEOUT_MS,
      "Could not join the encrypted group: this device could not open the welcome a member sent.",
    );
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
