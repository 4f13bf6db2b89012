import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseClientMessage, parseServerMessage } from "./codec.ts";
import { isProtocolError } from "./errors.ts";
import { PROTOCOL_VERSION } from "./messages.ts";

const ROOM = "A".repeat(22);
const knock = (name: string) =>
  JSON.stringify({ type: "join", protocol: PROTOCOL_VERSION, roomId: ROOM, knock: { name } });

function knockName(name: string): string {
  const message = parseClientMessage(knock(name));
  assert.ok(message.type === "join" && message.knock);
  return message.knock.name;
}

describe("knock names", () => {
  it("arrive in the one form of display names: no bidi or zero-width characters, NFC", () => {
    assert.equal(knockName("Ada\u202e(admin)"), "Ada(admin)");
    assert.equal(knockName("B\u200bob\u2066"), "Bob");
    assert.equal(knockName("Zoe\u0301"), "Zoé");
    assert.equal(knockName("  Ada   Lovelace "), "Ada Lovelace");
  });

  it("are refused when nothing visible is left, or when they hold control characters", () => {
    for (const name of ["\u202e\u200b", "   ", "E\u0007ve", "x".repeat(65)]) {
      assert.throws(
        () => parseClientMessage(knock(name)),
        (e: unknown) => isProtocolError(e) && e.code === "BAD_MESSAGE",
        JSON.stringify(name),
      );
    }
  });

  it("a relayed knock is normalised by the receiving page too, whatever the server sends", () => {
    const relay = { type: "knock", from: "p".repeat(16), name: "Mal\u2067lory\u200d" };
    const message = parseServerMessage(JSON.stringify(relay));
    assert.equal(message.type === "knock" && message.name, "Mallory");
  });
});
