/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
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
