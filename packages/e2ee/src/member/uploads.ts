// KeyPackages others upload to join (docs/e2ee.md "Admission"): what their proofs say, the name
// they sealed for us, and when they stop waiting (added, gone, refused). A replay of one already
// added in this group is refused on arrival: taken as an upload, commit duty would even replace
// the leaf its device holds (commit-duty.ts).
import { fromBase64url, toBase64url } from "@conclave/protocol";
import { fingerprintBytes, fingerprintOfKeyPackage } from "../admission/fingerprint.ts";
import { refusal } from "../admission/refusal.ts";
import { formatFingerprint } from "../mls/credential.ts";
import { decodeKeyPackage, keyPackageRef } from "../mls/key-package.ts";
import { toHex } from "../sframe/bytes.ts";
import { claimedName, judgeUpload, type Upload } from "./admission-gate.ts";
import type { Draft } from "./draft.ts";
import type { Ctx } from "./member-state.ts";
import { reasonOf } from "./session-policy.ts";

export interface UploadMessage {
  readonly from: string;
  readonly keyPackage: string;
  readonly proof?: string | undefined;
  readonly name?: string | undefined;
}

export async function onKeyPackage(d: Draft, ctx: Ctx, message: UploadMessage): Promise<void> {
  const { from } = message;
  const bytes = fromBase64url(message.keyPackage);
  if (bytes === null) {
    d.bad("KeyPackage is not base64url");
    return;
  }
  let keyPackage: ReturnType<typeof decodeKeyPackage>;
  try {
    keyPackage = decodeKeyPackage(bytes);
  } catch (error) {
    d.count("keyPackagesRejected");
    d.report("KEY_PACKAGE_REJECTED", `KeyPackage from ${from}: ${reasonOf(error)}`);
    return;
  }
  const fingerprint = await fingerprintOfKeyPackage(keyPackage);
  const ref = toHex(await keyPackageRef(keyPackage));
  const { session } = d.state;
  if (session?.seenKeyPackageRefs.has(ref) === true) {
    d.count("keyPackagesRejected");
    d.refusal(refusal("key-package-replayed", fingerprint, "an upload already added once"));
    return;
  }
  // A proof that does not verify is logged; the upload then waits like a knock, for a host.
  const judged = await judgeUpload(d.state.gate, keyPackage, message.proof);
  const name = await claimedName(d.state.gate, keyPackage, message.name);
  if (judged.kind === "forged") {
    d.refusal(refusal("proof-invalid", fingerprint, "an upload whose admission proof is wrong"));
  }
  const { leafNode } = keyPackage;
  const upload: Upload = {
    bytes,
    ref,
    since: d.state.uploads.get(from)?.since ?? ctx.now(),
    hpkeKey: toHex(leafNode.hpkePublicKey),
    signatureKey: toHex(leafNode.signaturePublicKey),
    fingerprint,
    proof: judged.proof,
    proven: judged.kind === "proven",
    claimedName: name,
  };
  d.set({ uploads: new Map(d.state.uploads).set(from, upload) });
  d.emit("upload", {
    participantId: from,
    fingerprint: formatFingerprint(fingerprintBytes(fingerprint)),
    claimedName: name,
    keyPackageRef: ref,
  });
}

/** The upload of `from` waits no more (it was added, its participant left, a knock ended). */
export function dropUpload(d: Draft, from: string): void {
  if (!d.state.uploads.has(from)) return;
  const uploads = new Map(d.state.uploads);
  uploads.delete(from);
  d.set({ uploads });
  d.emit("upload-ended", { participantId: from });
}

/** Uploads whose leaf key is in the tree now were added (by anyone): they wait no more. */
export function dropAddedUploads(d: Draft): void {
  const { session } = d.state;
  if (session === undefined) return;
  const inTree = new Set<string>();
  for (const node of session.state.ratchetTree) {
    if (node?.nodeType === "leaf") inTree.add(toHex(node.leaf.hpkePublicKey));
  }
  for (const [from, upload] of d.state.uploads) {
    if (inTree.has(upload.hpkeKey)) dropUpload(d, from);
  }
}

/** Proofs checked with the old keys say nothing now: an old link's holder must knock. */
export async function rejudgeUploads(d: Draft): Promise<void> {
  const uploads = new Map(d.state.uploads);
  for (const [from, upload] of d.state.uploads) {
    if (upload.proof === undefined) continue;
    const keyPackage = decodeKeyPackage(upload.bytes);
    const judged = await judgeUpload(d.state.gate, keyPackage, toBase64url(upload.proof));
    uploads.set(from, { ...upload, proven: judged.kind === "proven" });
  }
  d.set({ uploads });
}
