// The one place that reaches for WebCrypto, so that the rest reads the same in a browser worker
// and in Node 20 (both expose `globalThis.crypto.subtle`).

type Subtle = typeof globalThis.crypto.subtle;

/** A WebCrypto key handle (the type is spelled this way so it exists under Node's and DOM's lib). */
export type CryptoKeyHandle = Awaited<ReturnType<Subtle["importKey"]>>;

/** WebCrypto's SubtleCrypto; throws if the runtime has none (e.g. a page not in a secure context). */
export function subtle(): Subtle {
  const found = globalThis.crypto?.subtle;
  if (found === undefined) throw new Error("WebCrypto (crypto.subtle) is not available here");
  return found;
}
