import { deriveRoomId, type RoomLink, toBase64url } from "@conclave/protocol";

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
 * A checked link, with its invite secret: the media worker derives the admit key from it (admission
 * proofs and Welcome tags, docs/e2ee.md "Admission"). It never goes to the server.
 */
export interface InviteLink extends RoomLink {
  readonly secret: string;
}

/** The room link if the secret derives to this room id, else null (an incomplete link). */
export async function checkLink(roomId: string, secret: string | null): Promise<InviteLink | null> {
  if (secret === null) return null;
  const link = await deriveRoomId(secret);
  return link && link.roomId === roomId ? { ...link, secret } : null;
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
