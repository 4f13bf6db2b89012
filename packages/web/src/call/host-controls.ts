import type { ClientMessage, ParticipantId, ServerMessage } from "@conclave/protocol";
import type { HostAction } from "../worker/messages.ts";
import type { RolesView, RosterEntry } from "../worker/reports.ts";
import type { NoticeKind } from "./announcements.ts";
import { Store } from "./store.ts";

/** Someone waiting in the lobby: the name is their claim, read by the server in clear. */
export interface Knock {
  readonly participantId: ParticipantId;
  /** Not verified: anyone can type any name (docs/threat-model.md). */
  readonly claimedName: string;
  readonly since: number;
  /**
   * Its connection dropped (`knock-away`): the server keeps its place for a while, for the
   * knocker to come back to (docs/protocol.md "Lobby"); `knock` again when it is back.
   */
  readonly away: boolean;
}

/** A knock as a host sees it, with the device fingerprint of its KeyPackage once uploaded. */
export interface WaitingCard extends Knock {
  readonly fingerprint: string | null;
  /** the KeyPackageRef of the upload this card shows: Admit commits exactly that one */
  readonly keyPackageRef: string | null;
}

export type Role = "host" | "co-host" | "member";

export interface HostState {
  /** Knocks in arrival order (server `knock`, until `knock-ended`). */
  readonly knocks: readonly Knock[];
  /** Text for a polite live region: someone asks to join, a request is over. */
  readonly announcement: string;
}

/** A member's role, from the group context's roles by fingerprint (docs/e2ee.md). */
export function roleOf(fingerprint: string, roles: RolesView | null): Role {
  if (roles?.hosts.includes(fingerprint)) return "host";
  if (roles?.coHosts.includes(fingerprint)) return "co-host";
  return "member";
}

/** Our own role: hosts and co-hosts see knocks and the moderation controls. */
export function ownRole(roster: readonly RosterEntry[], roles: RolesView | null): Role {
  const self = roster.find((r) => r.self);
  return self ? roleOf(self.fingerprint, roles) : "member";
}

/**
 * The fingerprint a guest link pins (docs/e2ee.md "What every client checks"): ours if we are a
 * host, so the guest accepts only a Welcome that host committed; none otherwise.
 */
export function guestLinkPin(
  roster: readonly RosterEntry[],
  roles: RolesView | null,
): string | null {
  const self = roster.find((r) => r.self);
  return self && roleOf(self.fingerprint, roles) === "host" ? self.fingerprint : null;
}

/** An upload's device and, from a holder of the invite secret, the name it sealed for us. */
export interface Upload {
  readonly fingerprint: string;
  readonly name: string | null;
  /** hex; what Admit names, so another device swapped in under the id is never admitted */
  readonly keyPackageRef: string;
}

/**
 * Everyone waiting, each with the fingerprint of the KeyPackage its connection uploaded (matched by
 * id): the knocks, then `invited`, people with the invite link waiting while the lobby is
 * mandatory (the server lists them as participants without a leaf; no `knock` message).
 */
export function waitingCards(
  knocks: readonly Knock[],
  invited: readonly ParticipantId[],
  uploads: Readonly<Record<string, Upload>>,
): WaitingCard[] {
  const withLink = invited.flatMap((participantId) => {
    const upload = uploads[participantId];
    if (upload === undefined) return [];
    const claimedName = upload.name ?? "Guest with the invite link";
    return [{ participantId, claimedName, since: 0, away: false }];
  });
  return [...knocks, ...withLink].map((k) => ({
    ...k,
    fingerprint: uploads[k.participantId]?.fingerprint ?? null,
    keyPackageRef: uploads[k.participantId]?.keyPackageRef ?? null,
  }));
}

/**
 * The lobby and moderation as a host or co-host drives them. Admit, remove, lock and the lobby
 * settings are MLS commits the worker's engine makes (it refuses what our role does not allow);
 * Deny is a server request, since a knock is not in the group (docs/protocol.md "Lobby").
 */
export class HostControls extends Store<HostState> {
  /** Members we asked to remove, by fingerprint, until the roster no longer has them. */
  private readonly removing = new Map<string, string>();

  constructor(
    /** Resolves false if the engine refused (our role does not allow it, or we are no member). */
    private readonly request: (action: HostAction) => Promise<boolean>,
    private readonly send: (message: ClientMessage) => void,
    private readonly events: {
      /** What a host did, shown and said (announcements.ts). */
      notify(kind: NoticeKind, text: string): void;
      /** We lowered the hand of `leaf`: receivers heard it, our own page takes it down too. */
      handLowered(leaf: number): void;
    },
  ) {
    super({ knocks: [], announcement: "" });
  }

  /** `knock`, `knock-away`, `knocks-waiting` and `knock-ended`; anything else is ignored. */
  receive(message: ServerMessage): void {
    if (message.type === "knocks-waiting") {
      // Back from a drop: a knock that ended while we were away is over.
      const knocks = this.state.knocks.filter((k) => message.waiting.includes(k.participantId));
      if (knocks.length !== this.state.knocks.length) this.update({ knocks });
      return;
    }
    if (message.type !== "knock" && message.type !== "knock-away" && message.type !== "knock-ended")
      return;
    const listed = this.state.knocks.find((k) => k.participantId === message.from);
    if (message.type === "knock") {
      // Told again (it came back, or we did): it keeps its place in the list.
      if (listed) {
        this.setAway(listed, false, `${listed.claimedName} is back`);
        return;
      }
      const knock = {
        participantId: message.from,
        claimedName: message.name,
        since: Date.now(),
        away: false,
      };
      this.update({
        knocks: [...this.state.knocks, knock],
        announcement: `${message.name} asks to join (name not verified)`,
      });
    } else if (message.type === "knock-away") {
      if (listed) this.setAway(listed, true, `${listed.claimedName} is reconnecting`);
    } else if (listed) {
      this.update({
        knocks: this.state.knocks.filter((k) => k !== listed),
        announcement:
          message.reason === "admitted"
            ? `${listed.claimedName} was let in`
            : message.reason === "denied"
              ? `${listed.claimedName} was turned away`
              : `${listed.claimedName} stopped asking to join`,
      });
    }
  }

  private setAway(knock: Knock, away: boolean, announcement: string): void {
    if (knock.away === away) return;
    const knocks = this.state.knocks.map((k) => (k === knock ? { ...k, away } : k));
    this.update({ knocks, announcement });
  }

  /** Admits the upload whose KeyPackageRef the card showed, and only it. */
  admit(participantId: ParticipantId, keyPackageRef: string): void {
    void this.request({ kind: "admit", participantId, keyPackageRef });
  }

  deny(participantId: ParticipantId): void {
    this.send({ type: "lobby-deny", participantId });
  }

  /**
   * Removes a member (an MLS commit): said at once, and again when the roster no longer has them
   * (`groupChanged`), or that it could not be done.
   */
  async remove(member: RosterEntry): Promise<void> {
    this.update({ announcement: `Removing ${member.name}…` });
    if (await this.request({ kind: "remove", leaf: member.leaf })) {
      this.removing.set(member.fingerprint, member.name);
    } else {
      this.events.notify("removed", `Could not remove ${member.name}: only hosts and co-hosts can`);
    }
  }

  /** The roster changed: members we removed and who are gone now are reported removed. */
  groupChanged(roster: readonly RosterEntry[]): void {
    for (const [fingerprint, name] of this.removing) {
      if (roster.some((r) => r.fingerprint === fingerprint)) continue;
      this.removing.delete(fingerprint);
      this.events.notify("removed", `${name} was removed from the meeting`);
    }
  }

  /** Lowers a member's raised hand for everyone (an application message receivers check). */
  async lowerHand(leaf: number, name: string): Promise<void> {
    if (!(await this.request({ kind: "lower-hand", leaf }))) return;
    this.events.handLowered(leaf);
    this.update({ announcement: `Lowered ${name}’s hand` });
  }

  /**
   * Remove and block (docs/e2ee.md "Replacing the invite link"): deny the device, remove it, and
   * replace the invite secret, so the same person in a fresh browser can only knock.
   */
  removeAndBlock(fingerprint: string): void {
    void this.request({ kind: "block", fingerprint });
  }

  setLocked(locked: boolean): void {
    void this.request({ kind: "set-locked", locked });
  }

  setLobby(lobbyMandatory: boolean, knockingEnabled: boolean): void {
    void this.request({ kind: "set-lobby", lobbyMandatory, knockingEnabled });
  }

  makeCoHost(fingerprint: string, on: boolean): void {
    void this.request({ kind: "make-co-host", fingerprint, on });
  }

  /** Hands our host role to a member: we stay as a member (a commit every member checks). */
  transferHost(fingerprint: string): void {
    void this.request({ kind: "transfer-host", fingerprint });
  }

  /** Host commands (docs/e2ee.md "Host commands"): the member's own client asks or mutes. */
  askToUnmute(fingerprint: string, name: string): void {
    void this.request({ kind: "ask-unmute", fingerprint });
    this.update({ announcement: `Asked ${name} to unmute` });
  }

  mute(fingerprint: string, name: string): void {
    void this.request({ kind: "mute", fingerprint });
    this.update({ announcement: `Muted ${name}` });
  }

  muteEveryone(): void {
    void this.request({ kind: "mute-all" });
    this.update({ announcement: "Muted everyone" });
  }

  clear(): void {
    this.update({ knocks: [] });
  }
}
