import { deriveInviteKeys, type InviteKeys } from "@conclave/e2ee";
import { type InviteLink, readInviteFragment } from "@conclave/protocol";
import { LinkError } from "./errors.ts";

export interface MeetingLink extends InviteLink {
  /** The signalling endpoint: ws(s)://host/ws, matching the link's scheme. */
  readonly signallingUrl: string;
  /** The secret's admit key and room id, for admission proofs and Welcome tags; never sent. */
  readonly inviteKeys: InviteKeys;
}

/**
 * Parses `http(s)://host/m/<roomId>#<secret>` (or a replaced link, `#<secret>.<server key>`). The
 * fragment must open the room in the path: a link whose halves disagree would only be refused by
 * the server later, less clearly.
 */
export async function parseMeetingLink(link: string): Promise<MeetingLink> {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    throw new LinkError("not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new LinkError("the link must start with http:// or https://");
  }
  const match = /^\/m\/([A-Za-z0-9_-]{22})\/?$/.exec(url.pathname);
  if (!match?.[1]) throw new LinkError("the link's path must be /m/<roomId>");
  const fragment = url.hash.slice(1);
  if (!fragment) throw new LinkError("the link has no #secret: a knock link cannot join directly");
  const invite = await readInviteFragment(match[1], fragment);
  if (!invite) throw new LinkError("the #secret in the link is damaged or belongs to another room");
  const inviteKeys = await deriveInviteKeys(invite.secret, invite.roomId);
  if (!inviteKeys) throw new LinkError("the secret in the link is not 32 bytes of base64url");
  const scheme = url.protocol === "https:" ? "wss:" : "ws:";
  return { ...invite, signallingUrl: `${scheme}//${url.host}/ws`, inviteKeys };
}
