import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { linkDigest, MeetingLink } from "./meeting-link.ts";

const first = { digest: linkDigest("first"), replaced: false };
const second = { digest: linkDigest("second"), replaced: true };

describe("the link in force", () => {
  it("admits any link that opens the gate until members replace it, then only the new one", () => {
    const link = new MeetingLink(first);
    assert.equal(link.admits(first), true);
    assert.equal(link.replace(first.digest, second.digest, true), true);
    assert.equal(link.admits(first), false);
    assert.equal(link.admits(second), true);
    assert.equal(link.holds(null), false, "a knock's connection holds no link");
  });

  it("takes a change only from the link in force, and the same change again does nothing", () => {
    const link = new MeetingLink(first);
    assert.equal(link.replace(first.digest, second.digest, false), false, "not the first link");
    assert.equal(link.replace(first.digest, second.digest, true), true);
    assert.equal(link.replace(first.digest, second.digest, true), true, "idempotent");
    assert.equal(link.replace(first.digest, linkDigest("third"), true), false);
  });

  it("a replaced link that opens the meeting makes itself current", () => {
    const link = new MeetingLink(second);
    assert.equal(link.admits(first), false);
    assert.equal(link.admits(second), true);
  });
});
