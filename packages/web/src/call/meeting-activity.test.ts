/// <reference types="node" />
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ActivityRequest, MeetingActivity } from "./meeting-activity.ts";

test("a message written while reconnecting is refused, not sent to be lost, and goes once back", () => {
  const sent: ActivityRequest[] = [];
  const activity = new MeetingActivity((request) => sent.push(request));
  activity.setConnected(false);
  assert.equal(activity.sendChat("hello"), false);
  assert.deepEqual(sent, []);
  assert.match(activity.state.chatError ?? "", /you are reconnecting/);
  activity.setConnected(true);
  assert.equal(activity.state.chatError, null, "the notice goes once we are back");
  assert.equal(activity.sendChat("hello"), true);
  assert.deepEqual(sent, [{ type: "send-chat", id: 1, text: "hello" }]);
});
