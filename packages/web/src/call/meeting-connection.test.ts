import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { failureOf, remedyOf } from "./failure-texts.ts";
import { retryDelay } from "./meeting-connection.ts";

describe("reconnecting with backoff", () => {
  const exact = () => 0.5; // no jitter

  it("after a drop from a joined meeting, the first attempt comes at once: the place is held", () => {
    assert.equal(retryDelay(0, true, exact), 150);
  });

  it("otherwise attempts back off from 1 s to 15 s, and stay there", () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 9].map((attempt) => retryDelay(attempt, false, exact)),
      [1000, 2000, 4000, 8000, 15000, 15000, 15000],
    );
  });

  it("each wait is jittered by at most a fifth either way", () => {
    assert.equal(
      retryDelay(2, false, () => 0),
      1600,
    );
    assert.equal(
      retryDelay(2, false, () => 0.999_999),
      2400,
    );
  });
});

describe("failure texts", () => {
  it("a refusal is said in our words where we have them, else in the server's", () => {
    assert.match(failureOf("ROOM_FULL", "full").message, /This meeting is full/);
    assert.equal(failureOf("INTERNAL", "the server's own words").message, "the server's own words");
  });

  it("what the failure screen offers: nothing after a host's answer, asking after a new link", () => {
    assert.equal(remedyOf("DENIED"), "none");
    assert.equal(remedyOf("KNOCKING_DISABLED"), "none");
    assert.equal(remedyOf("LINK_REPLACED"), "ask-to-join");
    assert.equal(remedyOf("ROOM_FULL"), "try-again");
    assert.equal(remedyOf("UNSUPPORTED_BROWSER"), "try-again");
  });
});
