import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_NAME_CHARS, normaliseDisplayName } from "./display-name.ts";

describe("display names", () => {
  it("puts a name in NFC, so look-alike spellings are one string", () => {
    assert.equal(normaliseDisplayName("Zoe\u0301"), "Zoé");
    assert.equal(normaliseDisplayName("Zoé"), "Zoé");
  });

  it("removes controls, zero-width and bidi characters that could reorder or hide text", () => {
    assert.equal(normaliseDisplayName("Ada\u202e(admin)"), "Ada(admin)");
    assert.equal(normaliseDisplayName("B\u200bob\u2066"), "Bob");
    assert.equal(normaliseDisplayName("Eve\u0000\u001b[31m"), "Eve[31m");
  });

  it("collapses whitespace, trims, and caps the length", () => {
    assert.equal(normaliseDisplayName("  Ada \n\t Lovelace "), "Ada Lovelace");
    assert.equal(Array.from(normaliseDisplayName("a".repeat(100))).length, MAX_NAME_CHARS);
    const emoji = normaliseDisplayName("😀".repeat(100));
    assert.equal(emoji, "😀".repeat(32), "at most 128 UTF-8 bytes too");
    assert.equal(normaliseDisplayName("\u202e\u200b "), "");
  });
});
