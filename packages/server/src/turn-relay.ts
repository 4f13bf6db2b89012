/**
 * The TURN relay participants fall back to when they cannot reach the media server directly (UDP
 * blocked, only web ports open): a coturn the operator runs beside the server
 * (docs/operations.md "TURN"). The server never relays anything itself; it hands each participant
 * a credential of its own that the relay checks with the secret both share, so no list of users
 * is kept anywhere and a credential that leaks stops working by itself.
 */
import { createHmac } from "node:crypto";
import type { IceServer, ParticipantId } from "@conclave/protocol";

export interface TurnRelay {
  /** turn: and turns: URLs, in the order browsers should try them. */
  readonly urls: readonly string[];
  /** Shared with the relay (coturn's `static-auth-secret`); never printed or logged. */
  readonly secret: string;
  /** How long a credential is good for, from when it is handed out. */
  readonly credentialTtlSeconds: number;
}

/**
 * A credential by the TURN REST convention (draft-uberti-behave-turn-rest-00 §2.2), which coturn
 * checks with `use-auth-secret`: the username is "<expiry, Unix seconds>:<participant id>", the
 * password the base64 HMAC-SHA1 of the username under the shared secret. The relay refuses it
 * after the expiry; the participant id in it lets the relay's own records tell people apart
 * without naming anyone.
 */
export function turnCredential(
  relay: TurnRelay,
  participant: ParticipantId,
  now = Date.now(),
): IceServer {
  const expiry = Math.floor(now / 1000) + relay.credentialTtlSeconds;
  const username = `${expiry}:${participant}`;
  const credential = createHmac("sha1", relay.secret).update(username).digest("base64");
  return { urls: [...relay.urls], username, credential };
}

/** What `welcome` and `admitted` carry for `participant`: nothing without a relay. */
export function iceServersFor(relay: TurnRelay | null, participant: ParticipantId): IceServer[] {
  return relay ? [turnCredential(relay, participant)] : [];
}
