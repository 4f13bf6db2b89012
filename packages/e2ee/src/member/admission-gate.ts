// The engine's side of admission (docs/e2ee.md "Admission"): the proof a joiner uploads with its
// KeyPackage, what a member makes of an uploaded one, and which uploads are commit-duty work.
//
// An upload whose proof verifies with our admit key is work for whoever holds commit duty, unless
// the meeting is locked or its lobby mandatory. Any other upload (a knock, or a proof we cannot
// check because we came in by a knock link ourselves) waits for a host or co-host to admit it
// (MeetingMember.admit). A proof that does not verify is a security event: someone without the
// secret, or the server, tried to pass as invited. A deny-listed device is refused outright.
import { fromBase64url, toBase64url } from "@conclave/protocol";
import type { KeyPackage } from "ts-mls";
import type { Admission } from "../admission/admission-policy.ts";
import { makeAdmissionProof, verifyAdmissionProof } from "../admission/admission-proof.ts";
import type { Fingerprint } from "../admission/fingerprint.ts";
import type { InviteKeys } from "../admission/invite-keys.ts";
import type { MeetingRoles } from "../admission/meeting-roles.ts";
import { loadMlsCiphersuite } from "../mls/ciphersuite.ts";
import { type KeyPackageBundle, keyPackageRef } from "../mls/key-package.ts";

export interface Upload {
  readonly bytes: Uint8Array;
  readonly since: number;
  readonly hpkeKey: string;
  readonly signatureKey: string;
  readonly fingerprint: Fingerprint;
  /** the proof as it came (none: a knock) */
  readonly proof: Uint8Array | undefined;
  /** the proof verified with our admit key */
  readonly proven: boolean;
}

export type UploadJudgement =
  | { readonly kind: "proven"; readonly proof: Uint8Array }
  /** no proof, or one we cannot check (we hold no admit key): for a host to admit */
  | { readonly kind: "unproven"; readonly proof: Uint8Array | undefined }
  /** a proof that does not verify with our admit key */
  | { readonly kind: "forged"; readonly proof: Uint8Array | undefined };

export class AdmissionGate {
  readonly keys: InviteKeys | undefined;

  constructor(readonly admission: Admission) {
    this.keys = admission.kind === "invite" ? admission.keys : undefined;
  }

  /** Our proof for the KeyPackage we upload (base64url), or undefined with a knock link. */
  async proofFor(bundle: KeyPackageBundle): Promise<string | undefined> {
    if (this.keys === undefined) return undefined;
    const ref = await keyPackageRef(bundle.publicPackage, await loadMlsCiphersuite());
    return toBase64url(await makeAdmissionProof(this.keys, ref));
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
