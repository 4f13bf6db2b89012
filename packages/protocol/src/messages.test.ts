import assert from "node:assert/strict";
import { it } from "node:test";
import type { ParticipantId } from "./ids.ts";
import { receivedAfter, type ServerMessage } from "./messages.ts";

it("join.resume.received counts the Delivery Service's messages of one place", () => {
  const welcome = (resumed: boolean): ServerMessage => ({
    type: "welcome",
    protocol: 10,
    selfId: "p".repeat(16) as ParticipantId,
    participants: [],
    group: null,
    resumed,
    mediaKept: false,
    resumeToken: "R".repeat(43),
    iceServers: [],
  });
  const refused: ServerMessage = { type: "mls-commit-refused", epoch: 3, reason: "stale epoch" };
  assert.equal(receivedAfter(4, refused), 5);
  assert.equal(receivedAfter(4, { type: "pong" }), 4, "only mls-* messages count");
  assert.equal(receivedAfter(4, welcome(true)), 4, "a resumed place carries on");
  assert.equal(receivedAfter(4, welcome(false)), 0, "a new place counts from zero");
  const admitted: ServerMessage = {
    type: "admitted",
    participants: [],
    resumeToken: "R".repeat(43),
    iceServers: [],
  };
  assert.equal(receivedAfter(4, admitted), 0, "so does a knocker's, once admitted");
});
