import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { distinctNames } from "./display-names.ts";

describe("display names", () => {
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
