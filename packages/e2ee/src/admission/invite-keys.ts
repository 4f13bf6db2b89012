// What a meeting's invite secret (256 bits, in the link's fragment) gives its holder (DESIGN §3.1),
// each with HKDF-SHA-256 (RFC 5869, empty salt) and its own label:
//
//   server key = HKDF(secret, info "conclave/server-key/v1")  → sent to the server to pass its gate
//   room id    = SHA-256(server key)[0..16]                   (packages/protocol/src/room-link.ts)
//   admit key  = HKDF(secret, info "conclave/admit-key/v1")   → never leaves this device
//
// The admit key is made straight into a non-extractable WebCrypto HMAC-SHA-256 key: its bytes never
// exist in JavaScript memory, so nothing can log, post or send them by mistake.
import { type Brand, deriveRoomId, fromBase64url, type RoomId } from "@conclave/protocol";
import { type CryptoKeyHandle, subtle } from "../sframe/webcrypto.ts";

export const ADMIT_KEY_LABEL = "conclave/admit-key/v1";
const SECRET_BYTES = 32;

/** The HMAC key admission proofs and Welcome tags are made with. */
export type AdmitKey = Brand<CryptoKeyHandle, "AdmitKey">;

export interface InviteKeys {
  readonly roomId: RoomId;
  /** The room id's 16 bytes, as admission proofs bind them. */
  readonly roomIdBytes: Uint8Array;
  readonly admitKey: AdmitKey;
}

/** The room id and admit key of an invite secret (base64url); undefined if it is not 32 bytes. */
export async function deriveInviteKeys(secret: string): Promise<InviteKeys | undefined> {
  const bytes = fromBase64url(secret);
  const link = await deriveRoomId(secret);
  if (bytes?.length !== SECRET_BYTES || link === null) return undefined;
  const roomIdBytes = fromBase64url(link.roomId);
  if (roomIdBytes === null) return undefined;
  const base = await subtle().importKey("raw", bytes, "HKDF", false, ["deriveKey"]);
  bytes.fill(0);
  const admitKey = await subtle().deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: new TextEncoder().encode(ADMIT_KEY_LABEL),
    },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
  return { roomId: link.roomId, roomIdBytes, admitKey: admitKey as AdmitKey };
}
