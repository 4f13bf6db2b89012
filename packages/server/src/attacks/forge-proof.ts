import { randomBytes } from "node:crypto";
import { toBase64url } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

/**
 * The server cannot make an admission proof (it has no admit key): it relays every proven upload
 * with a proof of its own making, 32 random bytes. Members must log `proof-invalid` and never add
 * the uploader on their own (docs/e2ee.md "Admission").
 */
export const forgeProof: Attack = {
  outbound(_to, message, applied) {
    if (message.type !== "mls-key-package" || message.proof === undefined) return [message];
    applied();
    return [{ ...message, proof: toBase64url(randomBytes(32)) }];
  },
};
