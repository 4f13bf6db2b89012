// What a committer attaches to an Add for admission: the joiners' proofs in the commit's
// authenticated_data, for every member to check (admission-proof.ts), and a Welcome tag for each
// joiner in the GroupInfo (welcome-tag.ts), made with our admit key for the epoch the Add creates.
import type { Extension } from "ts-mls";
import { decodeKeyPackage, keyPackageRef } from "../mls/key-package.ts";
import type { CommitOptions, MlsSession } from "../mls/session.ts";
import type { InviteKeys } from "./invite-keys.ts";
import { encodeRefMacList, type RefMac } from "./ref-mac-list.ts";
import { welcomeTagExtension } from "./welcome-tag.ts";

export interface AdmittedKeyPackage {
  /** the KeyPackage as an MLSMessage, as the joiner uploaded it */
  readonly bytes: Uint8Array;
  /** its admission proof; none for a lobby admission by a host */
  readonly proof: Uint8Array | undefined;
}

/**
 * The commit options for one Add of `joiners` to `session`: proofs for those that have one, and
 * Welcome tags if we hold the keys (a host without the secret admits untagged: knock-link joiners
 * check the pinned host instead).
 */
export async function admissionCommitOptions(
  session: MlsSession,
  keys: InviteKeys | undefined,
  joiners: readonly AdmittedKeyPackage[],
): Promise<Pick<CommitOptions, "authenticatedData" | "groupInfoExtensions">> {
  const refs = await Promise.all(joiners.map((j) => keyPackageRef(decodeKeyPackage(j.bytes))));
  const proofs: RefMac[] = joiners.flatMap((j, i) => {
    const ref = refs[i];
    return j.proof === undefined || ref === undefined ? [] : [{ ref, mac: j.proof }];
  });
  const groupInfoExtensions: Extension[] =
    keys === undefined || refs.length === 0
      ? []
      : [await welcomeTagExtension(keys, session.groupId, session.epoch + 1n, refs)];
  return {
    authenticatedData: proofs.length === 0 ? new Uint8Array() : encodeRefMacList(proofs),
    groupInfoExtensions,
  };
}
