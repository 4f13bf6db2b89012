import { deriveInviteKeys, type InviteKeys } from "@conclave/e2ee";
import { deriveRoomId, type RoomId } from "@conclave/protocol";
import { LinkError } from "./errors.ts";

export interface MeetingLink {
  readonly roomId: RoomId;
  readonly serverKey: string;
  /** The signalling endpoint: ws(s)://host/ws, matching the link's scheme. */
  readonly signallingUrl: string;
  /** The secret's admit key and room id, for admission proofs and Welcome tags; never sent. */
  readonly inviteKeys: InviteKeys;
}

/**
 * Parses `http(s)://host/m/<roomId>#<secret>`. The room id in the path must be the one the secret
 * derives: a link whose halves disagree would only be refused by the server later, less clearly.
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
  const secret = url.hash.slice(1);
  if (!secret) throw new LinkError("the link has no #secret: a knock link cannot join directly");
  const derived = await deriveRoomId(secret);
  const inviteKeys = await deriveInviteKeys(secret);
  if (!derived || !inviteKeys) {
    throw new LinkError("the secret in the link is not 32 bytes of base64url");
  }
  if (derived.roomId !== match[1]) {
    throw new LinkError("the secret in the link does not belong to its room id");
  }
  const scheme = url.protocol === "https:" ? "wss:" : "ws:";
  return {
    roomId: derived.roomId,
    serverKey: derived.serverKey,
    signallingUrl: `${scheme}//${url.host}/ws`,
    inviteKeys,
  };
}
