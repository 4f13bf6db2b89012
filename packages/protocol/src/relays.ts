import { z } from "zod";

/**
 * A TURN relay URL (RFC 7065 §3.1): `turn:` or `turns:` (TURN over TLS), a host (an IPv4
 * address, a bracketed IPv6 address or a DNS name), an optional port and an optional transport.
 * No user info and nothing else: it is copied into the browser's ICE configuration as is.
 */
export const TURN_URL_PATTERN =
  /^turns?:(?:[0-9]{1,3}(?:\.[0-9]{1,3}){3}|\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*)(?::[0-9]{1,5})?(?:\?transport=(?:udp|tcp))?$/;

/** At most this many relay URLs are handed to a participant. */
export const MAX_RELAY_URLS = 8;

/**
 * The TURN relays a participant may use, with its short-lived credential (the TURN REST
 * convention, draft-uberti-behave-turn-rest-00 §2.2: `username` is "expiry:participant id",
 * `credential` the base64 HMAC-SHA1 of the username under the secret the server shares with the
 * relay). Given as `iceServers` to the participant's peer connections.
 */
export const IceServerSchema = z.strictObject({
  urls: z.array(z.string().max(300).regex(TURN_URL_PATTERN)).min(1).max(MAX_RELAY_URLS),
  username: z.string().min(1).max(256),
  credential: z.string().min(1).max(256),
});
export type IceServer = z.infer<typeof IceServerSchema>;

/**
 * What `welcome` and `admitted` carry: empty when the server has no relay configured, else one
 * entry, its URLs all reaching one relay service that shares the server's secret.
 */
export const IceServersSchema = z.array(IceServerSchema).max(1);
