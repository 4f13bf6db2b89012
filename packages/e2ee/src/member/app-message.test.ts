import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decodeAppMessage, encodeOpaque, encodeTyped, MAX_CHAT_TEXT } from "./app-message.ts";

const utf8 = new TextEncoder();
const typed = (json: string) => Uint8Array.of(0x01, ...utf8.encode(json));

describe("application message format", () => {
  it("round-trips opaque bytes, chat and hello", () => {
    assert.deepEqual(decodeAppMessage(encodeOpaque(Uint8Array.of(9, 8))), {
      ok: true,
      format: "opaque",
      data: Uint8Array.of(9, 8),
    });
    for (const message of [
      { t: "chat", text: "hi ✓" },
      { t: "hello", displayName: "Ada" },
    ] as const) {
      assert.deepEqual(decodeAppMessage(encodeTyped(message)), {
        ok: true,
        format: "typed",
        message,
      });
    }
  });

  it("refuses unknown formats, bad UTF-8, unknown types, extra fields and bad lengths", () => {
    const cases: Uint8Array[] = [
      new Uint8Array(),
      Uint8Array.of(0x02, 0x7b, 0x7d),
      Uint8Array.of(0x01, 0xff, 0xfe),
      typed("[1]"),
      typed('{"t":"kick","who":1}'),
      typed('{"t":"chat","text":"x","name":"Bob"}'),
      typed('{"t":"chat","text":""}'),
      typed(`{"t":"chat","text":"${"x".repeat(MAX_CHAT_TEXT + 1)}"}`),
      typed('{"t":"hello","displayName":42}'),
    ];
    for (const bytes of cases) assert.equal(decodeAppMessage(bytes).ok, false, String(bytes));
  });
});
