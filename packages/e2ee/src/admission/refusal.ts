// Why an admission or roles rule refused something: the typed reason the engine reports in its
// security log (member/events.ts "security"). It names the device concerned by fingerprint and
// says what happened; it never carries a key, a proof, a tag or a name.
import type { Fingerprint } from "./fingerprint.ts";

export type RefusalReason =
  /** an Add by a non-host without a proof for its KeyPackage */
  | "proof-missing"
  /** a proof that does not verify with our admit key (forged, or for another room) */
  | "proof-invalid"
  /** a KeyPackage this group session has already seen added */
  | "key-package-replayed"
  /** an Add while the meeting is locked */
  | "locked"
  /** an Add by a non-host while the lobby is mandatory */
  | "lobby-mandatory"
  /** an Add of a deny-listed fingerprint */
  | "deny-listed"
  /** an Add or roles change carried in a proposal the committer did not make */
  | "not-by-committer"
  /**
   * a roles or settings change the committer's role does not allow, or a host command (mute,
   * ask-unmute, mute-all, end-meeting) from a sender whose role may not send it
   */
  | "not-authorized"
  /** group context extensions other than the pin and valid roles */
  | "roles-invalid"
  /** a Welcome without a valid tag for our KeyPackage: not made by a holder of the secret */
  | "welcome-tag-invalid"
  /** a Welcome not committed by the host our knock link pins */
  | "host-not-pinned"
  /**
   * a rollback whose evidence does not hold: reports not signed by the members they name, too few
   * of them, or about another commit than the one we applied (member/rollback-evidence.ts)
   */
  | "rollback-forged"
  /** a commit a verified rollback withdrew, delivered again (member/withdrawn-commits.ts) */
  | "withdrawn-commit";

export interface Refusal {
  readonly reason: RefusalReason;
  /** the device concerned: the added one, or the committer of a refused change */
  readonly fingerprint: Fingerprint | undefined;
  /** for people reading the log: what was refused, never a secret */
  readonly detail: string;
}

export function refusal(
  reason: RefusalReason,
  fingerprint: Fingerprint | undefined,
  detail: string,
): Refusal {
  return { reason, fingerprint, detail };
}
