// The engine's side of admission (docs/e2ee.md "Admission"): the proof a joiner uploads with its
// KeyPackage, what a member makes of an uploaded one, and which uploads are commit-duty work.
//
// An upload whose proof verifies with our admit key is work for whoever holds commit duty, unless
// the meeting is locked or its lobby mandatory. Any other upload (a knock, or a proof we cannot
// check because we came in by a knock link ourselves) waits for a host or co-host to admit it
// (MeetingMember.admit). A proof that does not verify is a security event: someone without the
// secret, or the server, tried to pass as invited. A deny-listed device is refused outright.
//
// The gate also follows the invite secret's generation in the group context: when a commit raises
// it, the next secret is derived (admission/invite-keys.ts) and its keys replace ours.
import { fromBase64url, toBase64url } from "@conclave/protocol";
import type { KeyPackage } from "ts-mls";
import type { Admission } from "../admission/admission-policy.ts";
import { makeAdmissionProof, verifyAdmissionProof } from "../admission/admission-proof.ts";
import type { Fingerprint } from "../admission/fingerprint.ts";
import {
  deriveInviteKeys,
  INVITE_ROTATION_LABEL,
  type InviteKeys,
  nextInviteSecret,
} from "../admission/invite-keys.ts";
import type { MeetingRoles } from "../admission/meeting-roles.ts";
import { openWaitingName, sealWaitingName } from "../admission/waiting-name.ts";
import { loadMlsCiphersuite } from "../mls/ciphersuite.ts";
import { type KeyPackageBundle, keyPackageRef } from "../mls/key-package.ts";
import { encodeBigEndian } from "../sframe/bytes.ts";

export interface Upload {
  readonly bytes: Uint8Array;
  /** its KeyPackageRef (RFC 9420 §5.2), hex: what a host's admit names */
  readonly ref: string;
  readonly since: number;
  readonly hpkeKey: string;
  readonly signatureKey: string;
  readonly fingerprint: Fingerprint;
  /** the proof as it came (none: a knock) */
  readonly proof: Uint8Array | undefined;
  /** the proof verified with our admit key */
  readonly proven: boolean;
  /** the name it sealed for us (admission/waiting-name.ts), a claim */
  readonly claimedName: string | undefined;
}

export type UploadJudgement =
  | { readonly kind: "proven"; readonly proof: Uint8Array }
  /** no proof, or one we cannot check (we hold no admit key): for a host to admit */
  | { readonly kind: "unproven"; readonly proof: Uint8Array | undefined }
  /** a proof that does not verify with our admit key */
  | { readonly kind: "forged"; readonly proof: Uint8Array | undefined };

/** What a joiner sends with its KeyPackage (base64url); nothing with a knock link. */
export interface UploadExtras {
  readonly proof?: string;
  readonly name?: string;
}

/** MLS-Exporter of the epoch we are in (RFC 9420 §8.5). */
export type Exporter = (label: string, context: Uint8Array, length: number) => Promise<Uint8Array>;

export class AdmissionGate {
  #keys: InviteKeys | undefined;
  /** The generation of `#keys`, once a group told us; earlier ones stay for a rollback. */
  #generation: number | undefined;
  readonly #byGeneration = new Map<number, InviteKeys>();

  constructor(private readonly initial: Admission) {
    this.#keys = initial.kind === "invite" ? initial.keys : undefined;
  }

  /** Our admit key's keys now; undefined with a knock link. */
  get keys(): InviteKeys | undefined {
    return this.#keys;
  }

  get admission(): Admission {
    return this.#keys === undefined ? this.initial : { kind: "invite", keys: this.#keys };
  }

  /**
   * Follows the group's invite generation after an epoch change: `exporter` is the new epoch's
   * after a commit, undefined after joining (our keys are then the group's generation). Returns
   * the new secret (base64url) when it was just replaced, for the page's link; undefined
   * otherwise. A generation we cannot reach (more than one step: the roles rules refuse such a
   * commit) keeps our keys.
   */
  async follow(generation: number, exporter?: Exporter): Promise<string | undefined> {
    const current = this.#keys;
    if (current === undefined) return undefined;
    if (this.#generation === undefined || this.#generation === generation || !exporter) {
      this.#generation = generation;
      this.#byGeneration.set(generation, current);
      return undefined;
    }
    const known = this.#byGeneration.get(generation);
    if (generation < this.#generation && known !== undefined) {
      // a rollback: what came after it is withdrawn and will be derived again if redone
      for (const g of this.#byGeneration.keys()) if (g > generation) this.#byGeneration.delete(g);
      this.#keys = known;
      this.#generation = generation;
      return undefined;
    }
    if (generation !== this.#generation + 1) return undefined;
    const exported = await exporter(
      INVITE_ROTATION_LABEL,
      encodeBigEndian(BigInt(generation), 4),
      32,
    );
    const secret = await nextInviteSecret(current, exported);
    exported.fill(0);
    const keys = await deriveInviteKeys(secret, current.roomId);
    if (keys === undefined) return undefined;
    this.#keys = keys;
    this.#generation = generation;
    this.#byGeneration.set(generation, keys);
    return secret;
  }

  /** Our proof and sealed name for the KeyPackage we upload; nothing with a knock link. */
  async extrasFor(bundle: KeyPackageBundle, displayName: string): Promise<UploadExtras> {
    if (this.keys === undefined) return {};
    const ref = await keyPackageRef(bundle.publicPackage, await loadMlsCiphersuite());
    return {
      proof: toBase64url(await makeAdmissionProof(this.keys, ref)),
      name: toBase64url(await sealWaitingName(this.keys, ref, displayName)),
    };
  }

  /** The name an upload sealed for us; undefined if none, or it does not open with our key. */
  async claimedName(keyPackage: KeyPackage, sealed: string | undefined) {
    const bytes = sealed === undefined ? null : fromBase64url(sealed);
    if (this.keys === undefined || bytes === null) return undefined;
    const ref = await keyPackageRef(keyPackage, await loadMlsCiphersuite());
    return openWaitingName(this.keys, ref, bytes);
  }

  async judge(keyPackage: KeyPackage, proofText: string | undefined): Promise<UploadJudgement> {
    const proof = proofText === undefined ? undefined : (fromBase64url(proofText) ?? undefined);
    if (proofText !== undefined && proof === undefined) return { kind: "forged", proof };
    if (proof === undefined || this.keys === undefined) return { kind: "unproven", proof };
    const ref = await keyPackageRef(keyPackage, await loadMlsCiphersuite());
    return (await verifyAdmissionProof(this.keys, ref, proof))
      ? { kind: "proven", proof }
      : { kind: "forged", proof };
  }

  /** Commit-duty work among the uploads, and the deny-listed ones to refuse. */
  sort(
    roles: MeetingRoles,
    uploads: ReadonlyMap<string, Upload>,
  ): { readonly work: [string, Upload][]; readonly denied: [string, Upload][] } {
    const work: [string, Upload][] = [];
    const denied: [string, Upload][] = [];
    const open = !roles.settings.locked && !roles.settings.lobbyMandatory;
    for (const entry of uploads) {
      if (roles.denyList.includes(entry[1].fingerprint)) denied.push(entry);
      else if (open && entry[1].proven) work.push(entry);
    }
    return { work, denied };
  }
}
