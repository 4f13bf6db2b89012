import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { encodeMessage, parseClientMessage, parseServerMessage } from "./codec.ts";
import { isProtocolError } from "./errors.ts";
import { MAX_MESSAGE_BYTES } from "./messages.ts";

const ROOM = "AAAAAAAAAAAAAAAAAAAAAA";
const KEY = "B".repeat(43);
const join = { type: "join", protocol: 2, roomId: ROOM, serverKey: KEY };

function codeOf(raw: string): string {
  try {
    parseClientMessage(raw);
  } catch (error) {
    assert.ok(isProtocolError(error));
    return error.code;
  }
  assert.fail("expected a ProtocolError");
}

describe("client message codec", () => {
  it("accepts a valid join, which carries no display name (names travel in MLS)", () => {
    assert.deepEqual(parseClientMessage(JSON.stringify(join)), join);
    assert.equal(codeOf(JSON.stringify({ ...join, name: "Ada" })), "BAD_MESSAGE");
  });

  it("refuses text that is not JSON with BAD_JSON", () => {
    assert.equal(codeOf("{nope"), "BAD_JSON");
  });

  it("refuses non-objects and messages without a type with BAD_MESSAGE", () => {
    for (const raw of ["[]", "null", "42", '"join"', "{}", '{"type":7}']) {
      assert.equal(codeOf(raw), "BAD_MESSAGE", raw);
    }
  });

  it("refuses unknown types with UNKNOWN_TYPE", () => {
    assert.equal(codeOf('{"type":"become-host"}'), "UNKNOWN_TYPE");
    assert.equal(
      codeOf('{"type":"welcome"}'),
      "UNKNOWN_TYPE",
      "server messages are not client messages",
    );
  });

  it("refuses oversized messages with TOO_LARGE before parsing", () => {
    const raw = JSON.stringify({ type: "publish", sdp: "x".repeat(MAX_MESSAGE_BYTES) });
    assert.equal(codeOf(raw), "TOO_LARGE");
  });

  it("refuses extra fields, wrong types and bad ids with BAD_MESSAGE", () => {
    const bad = [
      { ...join, extra: 1 },
      { ...join, roomId: "short" },
      { ...join, serverKey: "B".repeat(42) },
      { ...join, protocol: "1" },
      { type: "media-state", audio: "yes", video: true },
      {
        type: "ice-candidate",
        transport: "sideways",
        candidate: "",
        sdpMid: null,
        sdpMLineIndex: null,
      },
      { type: "keyframe-request", participantId: "../../etc" },
      { type: "publish", sdp: "" },
    ];
    for (const message of bad)
      assert.equal(codeOf(JSON.stringify(message)), "BAD_MESSAGE", JSON.stringify(message));
  });

  it("round-trips every server message through encode and parse", () => {
    const id = "AAAAAAAAAAAAAAAA";
    const participant = { id, leaf: 0, audio: true, video: false };
    const messages = [
      {
        type: "welcome",
        protocol: 3,
        selfId: id,
        participants: [participant],
        group: null,
        resumed: false,
        mediaKept: false,
        resumeToken: "R".repeat(43),
        iceServers: [
          {
            urls: [
              "turn:192.0.2.7:3478?transport=udp",
              "turns:relay.example.org:443?transport=tcp",
            ],
            username: "1767225600:AAAAAAAAAAAAAAAA",
            credential: "Ku+0dDvHzXgSVUZNlzUHuT7yBvI=",
          },
        ],
      },
      { type: "publish-answer", sdp: "v=0" },
      {
        type: "subscribe-offer",
        sdp: "v=0",
        tracks: [{ mid: "0", participantId: id, kind: "audio", source: "microphone" }],
      },
      { type: "participant-joined", participant },
      { type: "participant-updated", participant },
      { type: "participant-left", id, reason: "left" },
      { type: "error", code: "ROOM_FULL", message: "full" },
    ] as const;
    for (const message of messages) {
      assert.deepEqual(parseServerMessage(encodeMessage(message as never)), message);
    }
  });
});

describe("docs/protocol.md", () => {
  it("states the size limit the codec enforces", async () => {
    const doc = await readFile(new URL("../../../docs/protocol.md", import.meta.url), "utf8");
    const stated = [...doc.matchAll(/larger than (\d+) KiB|over (\d+) KiB/g)].map((m) =>
      Number(m[1] ?? m[2]),
    );
    assert.ok(stated.length >= 2, "the limit is stated in Errors");
    for (const kib of stated) assert.equal(kib * 1024, MAX_MESSAGE_BYTES);
  });
});
