import {
  deriveRoomId,
  type InviteLink,
  ROOM_ID_PATTERN,
  type RoomId,
  readInviteFragment,
  toBase64url,
} from "@conclave/protocol";

/** Where the app is, from the address bar. */
export type Route =
  | { readonly page: "landing" }
  | { readonly page: "meeting"; readonly roomId: string; readonly secret: string | null }
  | { readonly page: "not-found" };

const MEETING_PATH = /^\/m\/([A-Za-z0-9_-]+)\/?$/;

export function parseRoute(location: { pathname: string; hash: string }): Route {
  if (location.pathname === "/" || location.pathname === "/index.html") return { page: "landing" };
  const match = MEETING_PATH.exec(location.pathname);
  if (!match?.[1]) return { page: "not-found" };
  const secret = location.hash.startsWith("#") ? location.hash.slice(1) : "";
  return { page: "meeting", roomId: match[1], secret: secret === "" ? null : secret };
}

/** A fresh 256-bit invite secret (DESIGN.md §3); it only ever lives in the fragment and memory. */
export function newInviteSecret(): string {
  return toBase64url(crypto.getRandomValues(new Uint8Array(32)));
}

export async function newMeetingPath(): Promise<string> {
  const secret = newInviteSecret();
  const link = await deriveRoomId(secret);
  if (!link) throw new Error("could not derive a room id");
  return `/m/${link.roomId}#${secret}`;
}

/**
 * The invite link in the fragment if it opens this room, else null (an incomplete link). The
 * media worker derives the admit key from its secret (docs/e2ee.md "Admission"); the secret never
 * goes to the server. A replaced link's fragment also carries the room's first server key
 * (packages/protocol/src/room-link.ts).
 */
export async function checkLink(
  roomId: string,
  fragment: string | null,
): Promise<InviteLink | null> {
  return fragment === null ? null : readInviteFragment(roomId, fragment);
}

/**
 * A knock link, `/m/<roomId>#k=<host fingerprint>` (docs/protocol.md "Lobby"): no invite secret, so
 * its holder can only ask to be let in. The fingerprint (64 hex digits, optional) pins the host
 * whose Welcome the engine accepts (docs/e2ee.md "What every client checks").
 */
export interface KnockLink {
  readonly roomId: RoomId;
  /** As the roster shows fingerprints ("3fa2 09bc ..."); null when the link pins no host. */
  readonly pinnedHost: string | null;
}

const KNOCK_FRAGMENT = /^k(?:=([0-9a-fA-F]{64})?)?$/;

/**
 * The knock link in a fragment, or null if the fragment is not one. An invite secret is base64url
 * and never contains "=", so the two cannot be confused.
 */
export function readKnockLink(roomId: string, fragment: string | null): KnockLink | null {
  if (fragment === null || !ROOM_ID_PATTERN.test(roomId)) return null;
  const match = KNOCK_FRAGMENT.exec(fragment);
  if (!match) return null;
  const hex = match[1]?.toLowerCase();
  return {
    roomId: roomId as RoomId,
    pinnedHost: hex ? (hex.match(/.{4}/g) ?? []).join(" ") : null,
  };
}

/** The knock link for a room, pinning `hostFingerprint` (roster format) if given. */
export function knockLinkPath(roomId: string, hostFingerprint: string | null): string {
  const hex = hostFingerprint?.replace(/ /g, "") ?? "";
  return `/m/${roomId}#k${hex ? `=${hex}` : ""}`;
}

/**
 * Reads a pasted meeting link (a full URL or just `/m/...#...`). Returns the URL to open, or null
 * if it is not a meeting link.
 */
export function readPastedLink(text: string, base: string): URL | null {
  let url: URL;
  try {
    url = new URL(text.trim(), base);
  } catch {
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return null;
  const route = parseRoute(url);
  return route.page === "meeting" ? url : null;
}
