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
//
// The gate is a value in the engine's state: `followGeneration` returns a new one.
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

export interface AdmissionGate {
  /** how this device came (member options) */
  readonly initial: Admission;
  /** our admit key's keys now; undefined with a knock link */
  readonly keys: InviteKeys | undefined;
  /** the generation of `keys`, once a group told us */
  readonly generation: number | undefined;
  /** earlier generations' keys, for a rollback */
  readonly byGeneration: ReadonlyMap<number, InviteKeys>;
}

export function openGate(initial: Admission): AdmissionGate {
  const keys = initial.kind === "invite" ? initial.keys : undefined;
  return { initial, keys, generation: undefined, byGeneration: new Map() };
}

/** The admission our policy checks with now (admission/admission-policy.ts). */
export function admissionOf(gate: AdmissionGate): Admission {
  return gate.keys === undefined ? gate.initial : { kind: "invite", keys: gate.keys };
}

/**
 * Follows the group's invite generation after an epoch change: `exporter` is the new epoch's
 * after a commit, undefined after joining (our keys are then the group's generation). `secret`
 * is the new secret (base64url) when it was just replaced, for the page's link. A generation we
 * cannot reach (more than one step: the roles rules refuse such a commit) keeps our keys.
 */
export async function followGeneration(
  gate: AdmissionGate,
  generation: number,
  exporter?: Exporter,
): Promise<{ readonly gate: AdmissionGate; readonly secret?: string }> {
  const current = gate.keys;
  if (current === undefined) return { gate };
  if (gate.generation === undefined || gate.generation === generation || !exporter) {
    const byGeneration = new Map(gate.byGeneration).set(generation, current);
    return { gate: { ...gate, generation, byGeneration } };
  }
  const known = gate.byGeneration.get(generation);
  if (generation < gate.generation && known !== undefined) {
    // a rollback: what came after it is withdrawn and will be derived again if redone
    const byGeneration = new Map([...gate.byGeneration].filter(([g]) => g <= generation));
    return { gate: { ...gate, keys: known, generation, byGeneration } };
  }
  if (generation !== gate.generation + 1) return { gate };
  const exported = await exporter(
    INVITE_ROTATION_LABEL,
    encodeBigEndian(BigInt(generation), 4),
    32,
  );
  const secret = await nextInviteSecret(current, exported);
  exported.fill(0);
  const keys = await deriveInviteKeys(secret, current.roomId);
  if (keys === undefined) return { gate };
  const byGeneration = new Map(gate.byGeneration).set(generation, keys);
  return { gate: { ...gate, keys, generation, byGeneration }, secret };
}

/** Our proof and sealed name for the KeyPackage we upload; nothing with a knock link. */
export async function uploadExtras(
  gate: AdmissionGate,
  bundle: KeyPackageBundle,
  displayName: string,
): Promise<UploadExtras> {
  if (gate.keys === undefined) return {};
  const ref = await keyPackageRef(bundle.publicPackage, await loadMlsCiphersuite());
  return {
    proof: toBase64url(await makeAdmissionProof(gate.keys, ref)),
    name: toBase64url(await sealWaitingName(gate.keys, ref, displayName)),
  };
}

/** The name an upload sealed for us; undefined if none, or it does not open with our key. */
export async function claimedName(
  gate: AdmissionGate,
  keyPackage: KeyPackage,
  sealed: string | undefined,
): Promise<string | undefined> {
  const bytes = sealed === undefined ? null : fromBase64url(sealed);
  if (gate.keys === undefined || bytes === null) return undefined;
  const ref = await keyPackageRef(keyPackage, await loadMlsCiphersuite());
  return openWaitingName(gate.keys, ref, bytes);
}

export async function judgeUpload(
  gate: AdmissionGate,
  keyPackage: KeyPackage,
  proofText: string | undefined,
): Promise<UploadJudgement> {
  const proof = proofText === undefined ? undefined : (fromBase64url(proofText) ?? undefined);
  if (proofText !== undefined && proof === undefined) return { kind: "forged", proof };
  if (proof === undefined || gate.keys === undefined) return { kind: "unproven", proof };
  const ref = await keyPackageRef(keyPackage, await loadMlsCiphersuite());
  return (await verifyAdmissionProof(gate.keys, ref, proof))
    ? { kind: "proven", proof }
    : { kind: "forged", proof };
}

/** Commit-duty work among the uploads, and the deny-listed ones to refuse. */
export function sortUploads(
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
