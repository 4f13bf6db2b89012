import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { distinctNames, MAX_NAME_CHARS, normaliseDisplayName } from "./display-names.ts";

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

  it("tells apart members with the same name by their fingerprint", () => {
    const shown = distinctNames([
      { leaf: 0, name: "Sam", fingerprint: "ab12 cd34" },
      { leaf: 1, name: "sam", fingerprint: "ef56 7890" },
      { leaf: 2, name: "Kim", fingerprint: "1111 2222" },
      { leaf: 3, name: "", fingerprint: "3333 4444" },
    ]);
    assert.deepEqual(
      [...shown.entries()],
      [
        [0, "Sam (ab12)"],
        [1, "sam (ef56)"],
        [2, "Kim"],
        [3, ""],
      ],
    );
  });
});
