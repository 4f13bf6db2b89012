// The security code people compare to know they are in the same group (DESIGN §3.7). It comes from
// the epoch authenticator (RFC 9420 §8.7) of the last epoch that changed the roster, so it changes
// on every Add and Remove and stays put across self-updates (which would otherwise make people
// re-compare every few minutes for nothing a human could check).
//
//   code = SHA-256("conclave/security-code/v1" ‖ epoch_authenticator)[0..16] as an integer mod 10^25
//
// rendered as 5 groups of 5 decimal digits: log2(10^25) ≈ 83 bits; 128 bits reduced mod 10^25
// leaves a bias below 2^-44.
import { concatBytes } from "../sframe/bytes.ts";
import { subtle } from "../sframe/webcrypto.ts";

const LABEL = new TextEncoder().encode("conclave/security-code/v1");
const DIGITS = 25;
const GROUP = 5;

export interface SecurityCode {
  /** "01234 56789 01234 56789 01234" */
  readonly digits: string;
  /** The epoch whose authenticator it came from (the last roster change). */
  readonly epoch: bigint;
  /** That epoch's authenticator (RFC 9420 §8.7), which pair comparisons are bound to. */
  readonly authenticator: Uint8Array;
}

/** Bits of the code: log2(10^25). */
export const SECURITY_CODE_BITS = Math.floor(DIGITS * Math.log2(10));

export async function deriveSecurityCode(
  epochAuthenticator: Uint8Array,
  epoch: bigint,
): Promise<SecurityCode> {
  const digest = new Uint8Array(
    await subtle().digest("SHA-256", concatBytes(LABEL, epochAuthenticator)),
  );
  let value = 0n;
  for (const byte of digest.subarray(0, 16)) value = (value << 8n) | BigInt(byte);
  const text = (value % 10n ** BigInt(DIGITS)).toString().padStart(DIGITS, "0");
  const groups: string[] = [];
  for (let i = 0; i < DIGITS; i += GROUP) groups.push(text.slice(i, i + GROUP));
  return { digits: groups.join(" "), epoch, authenticator: epochAuthenticator.slice() };
}
