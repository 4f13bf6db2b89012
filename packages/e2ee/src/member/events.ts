// The member engine's events: a map of names to argument types, and its emitter.
import type { MeetingRoles, Role } from "../admission/meeting-roles.ts";
import type { RefusalReason } from "../admission/refusal.ts";
import type { MediaKeyRing } from "../media-keys/key-ring.ts";
import { TypedEmitter } from "../typed-emitter.ts";
import type { Reaction } from "./app-message.ts";
import type { HostCommand } from "./host-commands.ts";

export interface RosterMember {
  readonly leaf: number;
  /** What the member said in its signed `hello` (empty until then); never from the server. */
  readonly displayName: string;
  readonly deviceId: string;
  /** SHA-256 of the member's signature key, as 16 groups of 4 hex digits. */
  readonly fingerprint: string;
  /** The member has told us its name in a signed `hello`. */
  readonly nameConfirmed: boolean;
  readonly self: boolean;
  /** From the group context's roles, by fingerprint (admission/meeting-roles.ts). */
  readonly role: Role;
}

/**
 * A line of the security log: something an admission or roles rule refused, or an upload whose
 * admission proof does not verify. Names the device by fingerprint; carries no secret.
 */
export interface SecurityEvent {
  readonly reason: RefusalReason;
  /** 16 groups of 4 hex digits, like RosterMember.fingerprint; undefined if unknown */
  readonly fingerprint: string | undefined;
  readonly detail: string;
  /** the epoch we were in */
  readonly epoch: bigint | undefined;
}

/**
 * Something the server did that it may do but must not hide (DESIGN.md §1: denial of service is
 * visible, not preventable). `withheld-commit`: a commit of ours at `epoch` got neither echo nor
 * refusal within 2 s. `unknown-participant`: the server announces `participantId` but it has held
 * no leaf of our roster for 10 s (member/unknown-participants.ts); `active: false` clears it.
 */
export type SecurityAlarm =
  | { readonly kind: "withheld-commit"; readonly epoch: bigint }
  /**
   * The server sent a rollback of the commit made in `epoch` whose evidence does not hold: refused
   * (member/rollback-evidence.ts). Someone is trying to undo what the group decided.
   */
  | { readonly kind: "forged-rollback"; readonly epoch: bigint }
  /**
   * A commit we had applied, made in `epoch` by `committer` (fingerprint), was withdrawn on the
   * signed reports of most members: what it did (a removal, a setting) is undone, and our own
   * requests are made again.
   */
  | { readonly kind: "rolled-back"; readonly epoch: bigint; readonly committer: string | undefined }
  | {
      readonly kind: "unknown-participant";
      readonly participantId: string;
      readonly active: boolean;
    };

export type EpochReason = "founded" | "joined" | "commit" | "own-commit" | "rollback";

export interface EpochEvent {
  readonly epoch: bigint;
  readonly reason: EpochReason;
  /** the committer's leaf, for "commit" and "own-commit" */
  readonly committer: number | undefined;
  readonly added: readonly number[];
  readonly removed: readonly number[];
  readonly rosterChanged: boolean;
  /** False after a rollback: no media keys until the next epoch (counters must never repeat). */
  readonly mediaKeysInstalled: boolean;
}

export type MemberErrorCode =
  /** a server message or payload that does not decode */
  | "BAD_INPUT"
  /** a commit this member could not apply; it reported mls-commit-failed */
  | "COMMIT_FAILED"
  /** a pending KeyPackage refused before an Add; the Add goes on without it */
  | "KEY_PACKAGE_REJECTED"
  /** an application message that could not be opened or decoded */
  | "APPLICATION_REJECTED"
  /** a `hello` whose name is empty, too long or holds control characters */
  | "NAME_MISMATCH"
  /** a message for a future epoch that stayed unprocessable */
  | "STALE_QUEUE"
  /** the engine gave up its state and is joining again with a new KeyPackage */
  | "REJOINING"
  /** the server sent an `error` */
  | "SERVER_ERROR"
  /** our own commit or join could not be made */
  | "LOCAL_FAILURE";

export interface MemberError {
  readonly code: MemberErrorCode;
  readonly message: string;
}

export interface MemberEvents {
  epoch: EpochEvent;
  roster: readonly RosterMember[];
  /** opaque application data (sendApplication) from the member at `sender` */
  application: { readonly sender: number; readonly epoch: bigint; readonly data: Uint8Array };
  chat: { readonly sender: number; readonly displayName: string; readonly text: string };
  /** `sender` raised its hand at `at` (its own clock): the raise queue's order. */
  "hand-raise": { readonly sender: number; readonly at: number };
  /** The hand of `leaf` is down: the sender's own, or lowered by a host or co-host. */
  "hand-lower": { readonly sender: number; readonly leaf: number };
  reaction: { readonly sender: number; readonly emoji: Reaction };
  /** `sender` started (true) or stopped (false) recording the meeting on its own device. */
  recording: { readonly sender: number; readonly active: boolean };
  /**
   * A host command that concerns us, from a sender whose fingerprint holds a role that may send
   * it (member/host-commands.ts): `ask-unmute` (ask the user, never unmute by itself), `mute`
   * (for us, or everyone), `end-meeting`. Refused ones are `security` events instead.
   */
  "host-command": { readonly sender: number; readonly command: HostCommand };
  /** a commit removed us; the engine is inert from now on */
  /**
   * A commit removed us; the engine is inert from now on. `by`: the committer, as our roster showed
   * it (a member removed while connected is told who did it); undefined if we do not know.
   */
  removed: {
    readonly epoch: bigint;
    readonly by:
      | { readonly leaf: number; readonly fingerprint: string; readonly displayName: string }
      | undefined;
  };
  /** the roles or settings in the group context changed (or are first known) */
  roles: MeetingRoles;
  /**
   * A commit raised the invite generation ("remove and block") and we held the secret before it:
   * `secret` (base64url) is the new one, for the page's link (docs/e2ee.md "Replacing the invite
   * link"). Secret: never log or send it.
   */
  "invite-replaced": { readonly generation: number; readonly secret: string };
  security: SecurityEvent;
  /**
   * Someone uploaded a KeyPackage to join: its device fingerprint (as the roster shows them) and,
   * if it holds the invite secret and sealed one, the name it claims (admission/waiting-name.ts).
   */
  upload: {
    readonly participantId: string;
    readonly fingerprint: string;
    readonly claimedName: string | undefined;
    /** its KeyPackageRef, hex: `admit` takes it, so the host admits exactly this upload */
    readonly keyPackageRef: string;
  };
  /**
   * That participant's upload waits no more (added, its participant or knock gone, or we came
   * back and the server no longer lists it): a card showing it has nothing to admit now.
   */
  "upload-ended": { readonly participantId: string };
  alarm: SecurityAlarm;
  error: MemberError;
  /**
   * The engine replaced its key ring (after a rollback, a rejoin, or when it closes): frames are
   * sealed and opened with this one from now on (`MeetingMember.mediaKeyRing`).
   */
  "key-ring": MediaKeyRing;
  /**
   * The engine must join again but the server will not take a KeyPackage on this connection:
   * open a new one and feed its `welcome` to this engine.
   */
  reconnect: { readonly reason: string };
}

/** The engine's emitter (../typed-emitter.ts): a listener that throws cannot break the engine. */
export class MemberEmitter extends TypedEmitter<MemberEvents> {}
