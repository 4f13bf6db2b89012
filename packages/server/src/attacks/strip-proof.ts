import type { Attack } from "./attack.ts";

/**
 * Relays every upload without its admission proof, as if the joiner had knocked. Members must not
 * add it on their own: without a proof only a host's `admit` adds (docs/e2ee.md "Admission").
 */
export const stripProof: Attack = {
  outbound(_to, message, applied) {
    if (message.type !== "mls-key-package" || message.proof === undefined) return [message];
    applied();
    const { proof: _dropped, ...rest } = message;
    return [rest];
  },
};
