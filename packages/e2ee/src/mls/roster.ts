// The roster: who holds the group's keys, read from the MLS ratchet tree itself (RFC 9420 §7.8),
// never from the server's participant list (DESIGN T2, §6). Leaf index → device id + fingerprint;
// display names come from each member's signed `hello` (member/meeting-member.ts).
import type { RatchetTree } from "ts-mls";
import { constantTimeEqual } from "../sframe/bytes.ts";
import { type CredentialIdentity, fingerprintOf, identityOfCredential } from "./credential.ts";

export interface RosterEntry extends CredentialIdentity {
  /** The member's leaf index: its sender index in MLS and in SFrame KIDs. */
  readonly leafIndex: number;
  readonly signaturePublicKey: Uint8Array;
  /** SHA-256 of the signature public key (credential.ts). */
  readonly fingerprint: Uint8Array;
  /** The leaf's HPKE key (RFC 9420 §7.2 encryption_key): new with every Add and update. */
  readonly hpkeKey: Uint8Array;
  /** The leaf node still comes from the KeyPackage that added it (leaf_node_source key_package). */
  readonly fromKeyPackage: boolean;
}

/** Members by ascending leaf index. */
export type Roster = readonly RosterEntry[];

/**
 * The roster of a ratchet tree. Leaves sit at even node indexes (RFC 9420 §4.1: leaf i is node
 * 2i). A credential that does not parse throws MLS_CREDENTIAL_INVALID; ts-mls has already refused
 * such leaves through the session's authentication service, so this is a second line.
 */
export async function rosterOf(tree: RatchetTree): Promise<Roster> {
  const entries: RosterEntry[] = [];
  for (let nodeIndex = 0; nodeIndex < tree.length; nodeIndex += 2) {
    const node = tree[nodeIndex];
    if (node?.nodeType !== "leaf") continue;
    const { credential, signaturePublicKey, hpkePublicKey, leafNodeSource } = node.leaf;
    const identity = identityOfCredential(credential);
    entries.push({
      leafIndex: nodeIndex / 2,
      deviceId: identity.deviceId,
      signaturePublicKey,
      fingerprint: await fingerprintOf(signaturePublicKey),
      hpkeKey: hpkePublicKey,
      fromKeyPackage: leafNodeSource === "key_package",
    });
  }
  return entries;
}

/** Same members at the same leaves with the same keys and identities. */
export function sameRoster(a: Roster, b: Roster): boolean {
  if (a.length !== b.length) return false;
  return a.every((entry, i) => {
    const other = b[i];
    return (
      other !== undefined &&
      entry.leafIndex === other.leafIndex &&
      entry.deviceId === other.deviceId &&
      constantTimeEqual(entry.fingerprint, other.fingerprint)
    );
  });
}

export function rosterEntry(roster: Roster, leafIndex: number): RosterEntry | undefined {
  return roster.find((entry) => entry.leafIndex === leafIndex);
}
