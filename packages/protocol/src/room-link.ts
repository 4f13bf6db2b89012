import { fromBase64url, toBase64url } from "./base64url.ts";
import type { RoomId } from "./ids.ts";

/**
 * Meeting links are `/m/<roomId>#<secret>` (DESIGN.md §3). The 256-bit invite secret stays in the
 * fragment and never reaches the server. Only the server key, derived from it, is shown to the
 * server, and the room id is a hash of that key: the server checks a joiner holds the link with no
 * stored state, and nobody can claim a room id before its creator.
 *
 * After "remove and block" the members derive a new secret (docs/e2ee.md "Replacing the invite
 * link"), which no longer hashes to the room id. A replaced link is `/m/<roomId>#<secret>.<first
 * server key>`: the first server key still opens the room's gate, and the new secret's own server
 * key (the link key) tells the server which link is current (docs/protocol.md).
 */
const SERVER_KEY_LABEL = "conclave/server-key/v1";
const ROOM_ID_BYTES = 16;

export interface RoomLink {
  readonly roomId: RoomId;
  /** base64url of the 256-bit server key, sent when joining. */
  readonly serverKey: string;
}

async function hkdf(secret: Uint8Array<ArrayBuffer>, label: string): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: new TextEncoder().encode(label),
    },
    key,
    256,
  );
  return new Uint8Array(bits);
}

/** The room id for a server key, or null if the key is not 32 bytes of base64url. */
export async function roomIdFromServerKey(serverKey: string): Promise<RoomId | null> {
  const bytes = fromBase64url(serverKey);
  if (bytes?.length !== 32) return null;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return toBase64url(digest.subarray(0, ROOM_ID_BYTES)) as RoomId;
}

/** The server key of an invite secret (base64url, 32 bytes), or null if it is not one. */
async function serverKeyOf(secret: string): Promise<string | null> {
  const bytes = fromBase64url(secret);
  return bytes?.length === 32 ? toBase64url(await hkdf(bytes, SERVER_KEY_LABEL)) : null;
}

/** Derives the room id and server key from an invite secret (base64url, 32 bytes). */
export async function deriveRoomId(secret: string): Promise<RoomLink | null> {
  const serverKey = await serverKeyOf(secret);
  const roomId = serverKey && (await roomIdFromServerKey(serverKey));
  return serverKey && roomId ? { roomId, serverKey } : null;
}

/** A meeting link's fragment, checked against its room id. */
export interface InviteLink extends RoomLink {
  /** The invite secret in force (base64url): never sent to the server. */
  readonly secret: string;
  /** For a replaced link: its secret's server key, presented as `join.linkKey`. */
  readonly linkKey: string | undefined;
}

const REPLACED_FRAGMENT = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/;

/** The link in `fragment` if it opens `roomId`, else null (an incomplete or foreign link). */
export async function readInviteFragment(
  roomId: string,
  fragment: string,
): Promise<InviteLink | null> {
  const replaced = REPLACED_FRAGMENT.exec(fragment);
  if (replaced?.[1] && replaced[2]) {
    const [, secret, serverKey] = replaced;
    const linkKey = await serverKeyOf(secret);
    if (linkKey === null || (await roomIdFromServerKey(serverKey)) !== roomId) return null;
    return { roomId: roomId as RoomId, serverKey, secret, linkKey };
  }
  const link = await deriveRoomId(fragment);
  return link && link.roomId === roomId ? { ...link, secret: fragment, linkKey: undefined } : null;
}

/** The fragment of `link`, as readInviteFragment reads it. */
export function inviteFragment(link: InviteLink): string {
  return link.linkKey === undefined ? link.secret : `${link.secret}.${link.serverKey}`;
}

/** The same room's link for a new secret (base64url, 32 bytes). */
export async function replacedLink(link: InviteLink, secret: string): Promise<InviteLink | null> {
  const linkKey = await serverKeyOf(secret);
  return linkKey === null ? null : { ...link, secret, linkKey };
}
