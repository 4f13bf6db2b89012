import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Fingerprint } from "../admission/fingerprint.ts";
import {
  decodeAppMessage,
  encodeOpaque,
  encodeTyped,
  MAX_CHAT_TEXT,
  REACTIONS,
  type TypedAppMessage,
} from "./app-message.ts";

const utf8 = new TextEncoder();
const FP = "0123456789abcdef".repeat(4) as Fingerprint;
const typed = (json: string) => Uint8Array.of(0x01, ...utf8.encode(json));

function refused(json: string): void {
  assert.equal(decodeAppMessage(typed(json)).ok, false, json);
}

describe("application message format", () => {
  it("round-trips opaque bytes and every typed kind", () => {
    assert.deepEqual(decodeAppMessage(encodeOpaque(Uint8Array.of(9, 8))), {
      ok: true,
      format: "opaque",
      data: Uint8Array.of(9, 8),
    });
    const messages: TypedAppMessage[] = [
      { t: "chat", text: "hi ✓" },
      { t: "hello", displayName: "Ada" },
      { t: "hand-raise", at: 1_767_225_600_000 },
      { t: "hand-lower", leaf: 0 },
      { t: "hand-lower", leaf: 4095 },
      ...REACTIONS.map((emoji) => ({ t: "reaction", emoji }) as const),
      { t: "recording-start" },
      { t: "recording-stop" },
      { t: "ask-unmute", to: FP },
      { t: "mute", to: FP },
      { t: "mute-all" },
      { t: "end-meeting" },
    ];
    for (const message of messages) {
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
      typed("null"),
      typed('{"t":"kick","who":1}'),
      typed('{"t":"chat","text":"x","name":"Bob"}'),
      typed('{"t":"chat","text":""}'),
      typed(`{"t":"chat","text":"${"x".repeat(MAX_CHAT_TEXT + 1)}"}`),
      typed('{"t":"hello","displayName":42}'),
    ];
    for (const bytes of cases) assert.equal(decodeAppMessage(bytes).ok, false, String(bytes));
  });

  it("refuses a hand raise without a whole positive time, or with any other field", () => {
    for (const json of [
      '{"t":"hand-raise"}',
      '{"t":"hand-raise","at":"1767225600000"}',
      '{"t":"hand-raise","at":0}',
      '{"t":"hand-raise","at":-5}',
      '{"t":"hand-raise","at":1.5}',
      '{"t":"hand-raise","at":1e300}',
      '{"t":"hand-raise","at":null}',
      '{"t":"hand-raise","at":1,"leaf":2}',
      '{"t":"hand-raise","at":1,"name":"Bob"}',
    ]) {
      refused(json);
    }
  });

  it("refuses a hand lower without a leaf a KID can name", () => {
    for (const json of [
      '{"t":"hand-lower"}',
      '{"t":"hand-lower","leaf":-1}',
      '{"t":"hand-lower","leaf":4096}',
      '{"t":"hand-lower","leaf":1.5}',
      '{"t":"hand-lower","leaf":"1"}',
      '{"t":"hand-lower","leaf":[1]}',
      '{"t":"hand-lower","leaf":1,"at":5}',
    ]) {
      refused(json);
    }
  });

  it("refuses a reaction that is not one of the allowed emoji, exactly", () => {
    for (const json of [
      '{"t":"reaction"}',
      '{"t":"reaction","emoji":""}',
      '{"t":"reaction","emoji":"💩"}',
      '{"t":"reaction","emoji":"👍👍"}',
      '{"t":"reaction","emoji":" 👍"}',
      // the heart without its variation selector is another string
      '{"t":"reaction","emoji":"❤"}',
      '{"t":"reaction","emoji":"<img src=x onerror=alert(1)>"}',
      '{"t":"reaction","emoji":1}',
      '{"t":"reaction","emoji":"👍","text":"hi"}',
    ]) {
      refused(json);
    }
  });

  it("refuses recording announcements with any field besides the type", () => {
    for (const json of [
      '{"t":"recording-start","by":1}',
      '{"t":"recording-stop","at":5}',
      '{"t":"recording","active":true}',
      '{"t":"Recording-start"}',
    ]) {
      refused(json);
    }
  });

  it("refuses an unmute request or a mute without exactly one wire fingerprint as its target", () => {
    for (const t of ["ask-unmute", "mute"]) {
      for (const json of [
        `{"t":"${t}"}`,
        `{"t":"${t}","to":""}`,
        `{"t":"${t}","to":3}`,
        `{"t":"${t}","to":["${FP}"]}`,
        `{"t":"${t}","to":"${FP.slice(1)}"}`,
        `{"t":"${t}","to":"${FP}0"}`,
        `{"t":"${t}","to":"${FP.toUpperCase()}"}`,
        `{"t":"${t}","to":"${FP.slice(0, 4)} ${FP.slice(4, 63)}"}`,
        `{"t":"${t}","to":"${FP.slice(0, 63)}g"}`,
        `{"t":"${t}","leaf":1}`,
        `{"t":"${t}","to":"${FP}","leaf":1}`,
        `{"t":"${t}","to":"${FP}","from":"${FP}"}`,
      ]) {
        refused(json);
      }
    }
  });

  it("refuses mute-all and end-meeting with any field besides the type", () => {
    for (const json of [
      '{"t":"mute-all","to":"x"}',
      '{"t":"mute-all","except":[]}',
      '{"t":"end-meeting","reason":"bye"}',
      '{"t":"end-meeting","by":0}',
      '{"t":"End-meeting"}',
      '{"t":"end_meeting"}',
      '{"t":"unmute"}',
    ]) {
      refused(json);
    }
  });
});
