// The clear framing of an MLSMessage a member receives (RFC 9420 §6): enough to order it by epoch
// before any key is used. Never throws.
import { decodeMlsMessage } from "ts-mls";

export type Peeked =
  | { readonly kind: "handshake" | "application"; readonly epoch: bigint }
  | { readonly kind: "invalid" };

export function peekEpoch(bytes: Uint8Array): Peeked {
  try {
    const decoded = decodeMlsMessage(bytes, 0);
    if (decoded === undefined || decoded[1] !== bytes.length) return { kind: "invalid" };
    const message = decoded[0];
    if (message.wireformat === "mls_public_message") {
      return { kind: "handshake", epoch: message.publicMessage.content.epoch };
    }
    if (message.wireformat === "mls_private_message") {
      return { kind: "application", epoch: message.privateMessage.epoch };
    }
    return { kind: "invalid" };
  } catch {
    return { kind: "invalid" };
  }
}
