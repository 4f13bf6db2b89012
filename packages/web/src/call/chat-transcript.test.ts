import assert from "node:assert/strict";
import { test } from "node:test";
import { chatTranscript, localStamp, meetingFileName } from "./chat-transcript.ts";

test("the transcript has one stamped line per message, multi-line text indented", () => {
  const at = new Date(2026, 0, 31, 14, 5).getTime();
  assert.equal(localStamp(at), "2026-01-31 14:05");
  assert.equal(
    chatTranscript([
      { name: "Ada", text: "hi <b>all</b>", at },
      { name: "You", text: "one\ntwo", at: at + 60_000 },
    ]),
    "[2026-01-31 14:05] Ada: hi <b>all</b>\n[2026-01-31 14:06] You: one\n    two\n",
  );
  assert.equal(meetingFileName("chat", "txt", at), "conclave-chat-2026-01-31-1405.txt");
});
