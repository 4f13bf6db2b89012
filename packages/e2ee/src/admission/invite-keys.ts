// What a meeting's invite secret (256 bits, in the link's fragment) gives its holder (DESIGN §3.1),
// each with HKDF-SHA-256 (RFC 5869, empty salt) and its own label:
//
//   server key = HKDF(secret, info "conclave/server-key/v1")  → sent to the server to pass its gate
//   room id    = SHA-256(server key)[0..16]                   (packages/protocol/src/room-link.ts)
//   admit key  = HKDF(secret, info "conclave/admit-key/v1")   → never leaves this device
//   name key   = HKDF(secret, info "conclave/waiting-name/v1") → seals a waiting joiner's name
//                                                               (waiting-name.ts)
//
// "Remove and block" replaces the secret (docs/e2ee.md "Replacing the invite link"). Generation
// n + 1 is derived by every member that holds generation n, in the epoch of the commit that raises
// the generation in the group context:
//
//   secret(n+1) = HKDF(secret(n), salt = MLS-Exporter("conclave/invite-rotation/v1", n+1 as u32 BE, 32),
//                      info "conclave/invite-secret/v1")
//
// so it takes both the old secret (which lobby-admitted members never had) and that epoch's
// exporter (which the blocked device, removed by the same commit, never gets). The room id stays
// the first generation's; a replaced link carries the first server key to pass the gate
// (packages/protocol/src/room-link.ts).
//
// The admit key is made straight into a non-extractable WebCrypto HMAC-SHA-256 key: its bytes never
// exist in JavaScript memory, so nothing can log, post or send them by mistake.
import {
  type Brand,
  deriveRoomId,
  fromBase64url,
  type RoomId,
  toBase64url,
} from "@conclave/protocol";
import { type CryptoKeyHandle, subtle } from "../sframe/webcrypto.ts";

const WAITING_NAME_LABEL = "conclave/waiting-name/v1";

export const ADMIT_KEY_LABEL = "conclave/admit-key/v1";
export const INVITE_ROTATION_LABEL = "conclave/invite-rotation/v1";
const NEXT_SECRET_LABEL = "conclave/invite-secret/v1";
const SECRET_BYTES = 32;

/** The HMAC key admission proofs and Welcome tags are made with. */
export type AdmitKey = Brand<CryptoKeyHandle, "AdmitKey">;

export interface InviteKeys {
  readonly roomId: RoomId;
  /** The room id's 16 bytes, as admission proofs bind them. */
  readonly roomIdBytes: Uint8Array;
  readonly admitKey: AdmitKey;
  /** AES-256-GCM key for waiting joiners' names (waiting-name.ts). */
  readonly nameKey: CryptoKeyHandle;
  /** The secret itself as a non-extractable HKDF key: only for deriving the next generation's. */
  readonly secretKey: CryptoKeyHandle;
}

/** HKDF-SHA-256 parameters (RFC 5869) with this salt and the label as info. */
function hkdf(salt: Uint8Array<ArrayBuffer>, label: string) {
  return { name: "HKDF", hash: "SHA-256", salt, info: new TextEncoder().encode(label) };
}

/**
 * The room id and admit key of an invite secret (base64url); undefined if it is not 32 bytes. A
 * first-generation secret derives its room id; a replaced one belongs to
 * the room it was `replacedIn`.
 */
export async function deriveInviteKeys(
  secret: string,
  replacedIn?: RoomId,
): Promise<InviteKeys | undefined> {
  const bytes = fromBase64url(secret);
  const roomId = replacedIn ?? (await deriveRoomId(secret))?.roomId;
  if (bytes?.length !== SECRET_BYTES || roomId === undefined) return undefined;
  const roomIdBytes = fromBase64url(roomId);
  if (roomIdBytes === null) return undefined;
  const base = await subtle().importKey("raw", bytes, "HKDF", false, ["deriveKey", "deriveBits"]);
  bytes.fill(0);
  const admitKey = await subtle().deriveKey(
    hkdf(new Uint8Array(0), ADMIT_KEY_LABEL),
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
  const nameKey = await subtle().deriveKey(
    hkdf(new Uint8Array(0), WAITING_NAME_LABEL),
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  return { roomId, roomIdBytes, admitKey: admitKey as AdmitKey, nameKey, secretKey: base };
}

/**
 * The next generation's secret (base64url), from this one and the exporter output of the epoch
 * that raised the generation (the formula at the head of this file).
 */
export async function nextInviteSecret(keys: InviteKeys, exported: Uint8Array): Promise<string> {
  const bits = await subtle().deriveBits(
    hkdf(new Uint8Array(exported), NEXT_SECRET_LABEL),
    keys.secretKey,
    SECRET_BYTES * 8,
  );
  const bytes = new Uint8Array(bits);
  const secret = toBase64url(bytes);
  bytes.fill(0);
  return secret;
}
