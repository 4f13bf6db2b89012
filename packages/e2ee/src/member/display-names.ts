// Display names as people see them. A name is whatever its owner said in its signed `hello`, put
// in one canonical form so two names that look the same are the same string, and nothing in it
// can reorder or hide the text around it. Two members who chose the same name are told apart by
// the start of their fingerprint, which the server cannot choose for them.

/** Longest name shown, in code points, and in UTF-8 bytes (mls/credential.ts). */
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

/**
 * The name to show for each member: its own, or, when another member has the same name (ignoring
 * case), the name followed by the first four hex digits of its fingerprint.
 */
export function distinctNames(
  members: readonly {
    readonly leaf: number;
    readonly name: string;
    readonly fingerprint: string;
  }[],
): Map<number, string> {
  const count = new Map<string, number>();
  const key = (name: string) => name.toLocaleLowerCase();
  for (const m of members)
    if (m.name !== "") count.set(key(m.name), (count.get(key(m.name)) ?? 0) + 1);
  const shown = new Map<number, string>();
  for (const m of members) {
    const duplicate = m.name !== "" && (count.get(key(m.name)) ?? 0) > 1;
    const tag = m.fingerprint.replace(/[^0-9a-f]/giu, "").slice(0, 4);
    shown.set(m.leaf, duplicate ? `${m.name} (${tag})` : m.name);
  }
  return shown;
}
