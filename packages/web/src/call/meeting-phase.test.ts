/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import { failureOf, remedyOf } from "./failure-texts.ts";
import { afterServerError, type MeetingState, startingState } from "./meeting-phase.ts";

const joined: MeetingState = { ...startingState(false), phase: "joined", wasJoined: true };

test("a server going out of service closes the connection next: reconnect, no notice, not failed", () => {
  assert.equal(afterServerError("SHUTTING_DOWN", joined), "closing");
  assert.equal(
    afterServerError("SHUTTING_DOWN", { ...startingState(true), phase: "waiting" }),
    "closing",
  );
});

test("a join refused while the server drains is retried", () => {
  assert.equal(afterServerError("SHUTTING_DOWN", startingState(false)), "retry");
});

test("a final code fails the meeting, REMOVED without its commit only disconnects", () => {
  assert.equal(afterServerError("GATE_REFUSED", startingState(false)), "failed");
  assert.equal(afterServerError("REMOVED", joined), "disconnected");
  assert.equal(afterServerError("RATE_LIMITED", joined), "notice");
});

test("a reconnection whose place another connection already took back fails, with what to do", () => {
  const reconnecting: MeetingState = { ...joined, phase: "connecting", attempt: 2 };
  assert.equal(afterServerError("RESUME_TOKEN_USED", reconnecting), "failed");
  const failure = failureOf("RESUME_TOKEN_USED", "this resume token already took its place back");
  assert.match(failure.message, /another tab or window/);
  assert.match(failure.message, /Try again/);
  assert.equal(remedyOf(failure.code), "try-again", "a fresh join, as someone new");
});
