import { readFraming } from "@conclave/delivery-service";
import { fromBase64url } from "@conclave/protocol";
import type { Attack } from "./attack.ts";

/**
 * The server keeps a member in the meeting against the group's will: it drops every commit that
 * removes someone, neither ordering nor refusing it, so the removed member keeps its keys. It can;
 * the committer raises the withheld-commit alarm within 2 s (docs/e2ee.md "Alarms").
 */
export const withholdRemove: Attack = {
  inbound(_from, message, applied) {
    if (message.type !== "mls-commit") return message;
    const bytes = fromBase64url(message.commit);
    const read = bytes === null ? undefined : readFraming(bytes);
    if (!read?.ok || read.framing.kind !== "commit" || read.framing.removes.length === 0) {
      return message;
    }
    applied();
    return null;
  },
};
