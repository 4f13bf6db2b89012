// Names as people see them: a member's own, from its signed `hello` (docs/e2ee.md), and the name a
// knock claims (docs/protocol.md "Lobby"). Each is put in one canonical form, so two names that
// look the same are the same string and nothing in a name can reorder or hide the text around it.
// One definition for the e2ee engine, the page and the server's edge.

/** Longest name shown, in code points, and in UTF-8 bytes (e2ee mls/credential.ts). */
export const MAX_NAME_CHARS = 64;
const MAX_NAME_BYTES = 128;
const utf8 = new TextEncoder();

// C0/C1 controls, zero-width and bidi formatting characters (overrides, isolates, marks).
// biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/gu;

/**
 * NFC, invisible and bidi characters removed, whitespace collapsed, at most 64 code points and
 * 128 UTF-8 bytes.
 */
export function normaliseDisplayName(raw: string): string {
  const cleaned = raw.normalize("NFC").replace(INVISIBLE, "").replace(/\s+/gu, " ").trim();
  const chars = Array.from(cleaned).slice(0, MAX_NAME_CHARS);
  while (utf8.encode(chars.join("")).length > MAX_NAME_BYTES) chars.pop();
  return chars.join("").trim();
}
