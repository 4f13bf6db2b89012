// The Welcome tag (DESIGN §3.3): the committer of an Add proves to each joiner that it holds the
// invite secret, so the server cannot seat an invited joiner in a group of its own making:
//
//   tag = HMAC-SHA-256(admit key, "conclave/welcome/v1" ‖ group id ‖ epoch (u64 BE) ‖ KeyPackageRef)
//
// with the group id and epoch of the GroupInfo the joiner receives (the epoch the Add creates).
// The group id's length varies, but it is followed by exactly 40 fixed-width bytes, so the input
// still parses one way only. For a suite whose KeyPackageRef is 64 bytes (X-Wing) the label is
// "conclave/welcome/v2" and 72 bytes follow. The tags ride in a GroupInfo extension (RFC 9420 §12.4.3), which the
// committer signs and only the joiners can decrypt, laid out as a ref/mac list (ref-mac-list.ts).
import type { Extension } from "ts-mls";
import type { KeyPackageRef } from "../mls/key-package.ts";
import { concatBytes, encodeBigEndian } from "../sframe/bytes.ts";
import { subtle } from "../sframe/webcrypto.ts";
import type { InviteKeys } from "./invite-keys.ts";
import { decodeRefMacList, encodeRefMacList, MAC_BYTES, macFor } from "./ref-mac-list.ts";

/** GroupInfo extension type, private use (RFC 9420 §17.3). */
export const WELCOME_TAG_EXTENSION_TYPE = 0xf0c3;
const utf8 = new TextEncoder();

function tagInput(groupId: Uint8Array, epoch: bigint, ref: KeyPackageRef) {
  const label = utf8.encode(ref.length === 32 ? "conclave/welcome/v1" : "conclave/welcome/v2");
  return concatBytes(label, groupId, encodeBigEndian(epoch, 8), ref);
}

export async function makeWelcomeTag(
  keys: InviteKeys,
  groupId: Uint8Array,
  epoch: bigint,
  ref: KeyPackageRef,
): Promise<Uint8Array> {
  return new Uint8Array(await subtle().sign("HMAC", keys.admitKey, tagInput(groupId, epoch, ref)));
}

/** The GroupInfo extension with a tag for each KeyPackage the commit adds. */
export async function welcomeTagExtension(
  keys: InviteKeys,
  groupId: Uint8Array,
  epoch: bigint,
  refs: readonly KeyPackageRef[],
): Promise<Extension> {
  const entries = await Promise.all(
    refs.map(async (ref) => ({ ref, mac: await makeWelcomeTag(keys, groupId, epoch, ref) })),
  );
  return { extensionType: WELCOME_TAG_EXTENSION_TYPE, extensionData: encodeRefMacList(entries) };
}

/**
 * Whether the GroupInfo extensions hold exactly one tag list with a valid tag for `ref` in this
 * group and epoch (HMAC verify compares in constant time).
 */
export async function verifyWelcomeTag(
  keys: InviteKeys,
  extensions: readonly Extension[],
  groupId: Uint8Array,
  epoch: bigint,
  ref: KeyPackageRef,
): Promise<boolean> {
  const found = extensions.filter((e) => e.extensionType === WELCOME_TAG_EXTENSION_TYPE);
  if (found.length !== 1 || found[0] === undefined) return false;
  const list = decodeRefMacList(found[0].extensionData);
  const tag = list.ok ? macFor(list.entries, ref) : undefined;
  if (tag === undefined || tag.length !== MAC_BYTES) return false;
  return subtle().verify("HMAC", keys.admitKey, new Uint8Array(tag), tagInput(groupId, epoch, ref));
}
