// What a member says inside MLS application messages (PrivateMessages, RFC 9420 §6.3). The first
// byte says how the rest reads:
//
//   0x00 | opaque bytes       the application's own data (sendApplication)
//   0x01 | UTF-8 JSON         a typed Conclave message, version 1: one object whose "t" names its
//                             kind and whose keys are exactly that kind's (docs/e2ee.md):
//                             chat, hello, hand-raise, hand-lower, reaction, recording-start,
//                             recording-stop, ask-unmute, mute, mute-all, end-meeting, goodbye
//
// A new format or an incompatible change takes a new first byte; an unknown one is refused, not
// guessed at. The MLS layer has already authenticated the sender's leaf (its signature key signs
// every PrivateMessage), so what is decoded here is what that leaf's owner said.

import { MAX_CHAT_TEXT, REACTIONS, type Reaction } from "@conclave/protocol";
import type { Fingerprint } from "../admission/fingerprint.ts";
import { MAX_KID_SENDER } from "../media-keys/kid.ts";

export const APP_FORMAT_OPAQUE = 0x00;
export const APP_FORMAT_TYPED_V1 = 0x01;
const MAX_NAME = 256;

/** The chat limit and the reactions are @conclave/protocol's: the page offers the same. */
export { MAX_CHAT_TEXT, REACTIONS, type Reaction };

export type TypedAppMessage =
  | { readonly t: "chat"; readonly text: string }
  | { readonly t: "hello"; readonly displayName: string }
  /** The sender raised its hand at `at` (its clock, ms since 1970): the queue's order. */
  | { readonly t: "hand-raise"; readonly at: number }
  /** Lowers the hand of `leaf`: receivers accept it for the sender's own, or from a host or co-host. */
  | { readonly t: "hand-lower"; readonly leaf: number }
  | { readonly t: "reaction"; readonly emoji: Reaction }
  /** The sender started or stopped recording the meeting on its own device. */
  | { readonly t: "recording-start" }
  | { readonly t: "recording-stop" }
  /**
   * The sender is leaving: its own signed word, the only one on which members remove its leaf at
   * once (member/participants.ts); a server's "left" without it waits out the reconnection window.
   */
  | { readonly t: "goodbye" }
  /**
   * Host controls (docs/e2ee.md "Host requests"): receivers act only if the sender's fingerprint is
   * a host or co-host in the current roles (end-meeting: a host). The target of ask-unmute and
   * mute is named by fingerprint, never by leaf index: a leaf is refilled by the next Add.
   */
  | { readonly t: "ask-unmute"; readonly to: Fingerprint }
  | { readonly t: "mute"; readonly to: Fingerprint }
  | { readonly t: "mute-all" }
  | { readonly t: "end-meeting" };

/** The kinds only a host or co-host may send (end-meeting: only a host). */
export type HostRequestMessage = Extract<
  TypedAppMessage,
  { readonly t: "ask-unmute" | "mute" | "mute-all" | "end-meeting" }
>;

export type DecodedAppMessage =
  | { readonly ok: true; readonly format: "opaque"; readonly data: Uint8Array }
  | { readonly ok: true; readonly format: "typed"; readonly message: TypedAppMessage }
  | { readonly ok: false; readonly reason: string };

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

export function encodeOpaque(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + 1);
  out[0] = APP_FORMAT_OPAQUE;
  out.set(data, 1);
  return out;
}

export function encodeTyped(message: TypedAppMessage): Uint8Array {
  const body = utf8.encode(JSON.stringify(message));
  const out = new Uint8Array(body.length + 1);
  out[0] = APP_FORMAT_TYPED_V1;
  out.set(body, 1);
  return out;
}

function validText(value: unknown, max: number): value is string {
  return typeof value === "string" && value.length >= 1 && value.length <= max;
}

export function isReaction(value: unknown): value is Reaction {
  return REACTIONS.some((r) => r === value);
}

/** A time in ms since 1970 as a JSON number can carry it exactly. */
export function isTimestamp(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/** A leaf index as a KID can name it. */
function isLeafIndex(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_KID_SENDER;
}

/** A fingerprint as the wire carries it: exactly 64 lower-case hex digits, no spaces. */
function isWireFingerprint(value: unknown): value is Fingerprint {
  return typeof value === "string" && /^[0-9a-f]{64}$/.test(value);
}

function validateTyped(value: unknown): TypedAppMessage | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not an object";
  const keys = Object.keys(value).sort().join(",");
  const t: unknown = Reflect.get(value, "t");
  if (t === "hand-raise") {
    const at: unknown = Reflect.get(value, "at");
    if (keys !== "at,t" || !isTimestamp(at)) return "bad hand-raise message";
    return { t, at };
  }
  if (t === "hand-lower") {
    const leaf: unknown = Reflect.get(value, "leaf");
    if (keys !== "leaf,t" || !isLeafIndex(leaf)) return "bad hand-lower message";
    return { t, leaf };
  }
  if (t === "reaction") {
    const emoji: unknown = Reflect.get(value, "emoji");
    if (keys !== "emoji,t" || !isReaction(emoji)) return "bad reaction message";
    return { t, emoji };
  }
  if (t === "recording-start" || t === "recording-stop" || t === "goodbye") {
    if (keys !== "t") return `bad ${t} message`;
    return { t };
  }
  if (t === "ask-unmute" || t === "mute") {
    const to: unknown = Reflect.get(value, "to");
    if (keys !== "t,to" || !isWireFingerprint(to)) return `bad ${t} message`;
    return { t, to };
  }
  if (t === "mute-all" || t === "end-meeting") {
    if (keys !== "t") return `bad ${t} message`;
    return { t };
  }
  if (t === "chat") {
    const text: unknown = Reflect.get(value, "text");
    if (keys !== "t,text" || !validText(text, MAX_CHAT_TEXT)) return "bad chat message";
    return { t, text };
  }
  if (t === "hello") {
    const displayName: unknown = Reflect.get(value, "displayName");
    if (keys !== "displayName,t" || !validText(displayName, MAX_NAME)) return "bad hello message";
    return { t, displayName };
  }
  return "unknown message type";
}

/** Decodes application data; never throws. */
export function decodeAppMessage(bytes: Uint8Array): DecodedAppMessage {
  const format = bytes[0];
  if (format === APP_FORMAT_OPAQUE) return { ok: true, format: "opaque", data: bytes.slice(1) };
  if (format !== APP_FORMAT_TYPED_V1) return { ok: false, reason: "unknown format" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(strictUtf8.decode(bytes.subarray(1)));
  } catch {
    return { ok: false, reason: "not UTF-8 JSON" };
  }
  const message = validateTyped(parsed);
  if (typeof message === "string") return { ok: false, reason: message };
  return { ok: true, format: "typed", message };
}
