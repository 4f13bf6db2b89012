import { encodeMessage, type MlsServerMessage } from "@conclave/protocol";

/** Each Delivery Service message encoded once, however many recipients, tails, places and records get it. */
const encodings = new WeakMap<MlsServerMessage, string>();

export function encoded(message: MlsServerMessage): string {
  let text = encodings.get(message);
  if (text === undefined) {
    text = encodeMessage(message);
    encodings.set(message, text);
  }
  return text;
}
