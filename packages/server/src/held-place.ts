import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Participant, ServerMessage } from "@conclave/protocol";
import { encodeMessage, toBase64url } from "@conclave/protocol";

/** What a held place may collect while its owner is away; more, and the place is given up. */
const MAX_HELD_MESSAGES = 2000;
const MAX_HELD_BYTES = 4 * 1024 * 1024;

const digest = (token: string) => createHash("sha256").update(token).digest();

/** A fresh resume token and the digest the server keeps of it (the token itself is not kept). */
export function newResumeToken(): { token: string; digest: Buffer } {
  const token = toBase64url(randomBytes(32));
  return { token, digest: digest(token) };
}

/** Whether `token` is the one whose digest is `expected`, compared in constant time. */
export function resumeTokenOpens(token: string, expected: Buffer): boolean {
  return timingSafeEqual(digest(token), expected);
}

/**
 * The place of an MLS member whose connection dropped (docs/protocol.md "Reconnecting"): its
 * participant id, its leaf in the Delivery Service, and every message meant for it, kept in order
 * for the reconnection window. A new connection presenting the resume token takes it over and gets
 * the messages, so the member's MLS state carries on where it was without a new leaf.
 */
export class HeldPlace {
  private readonly messages: string[] = [];
  private bytes = 0;
  /** Set when the buffer overflowed: the member missed something and must join afresh. */
  private overflowed = false;

  constructor(
    readonly participant: Omit<Participant, "leaf">,
    private readonly tokenDigest: Buffer,
    readonly timer: ReturnType<typeof setTimeout>,
  ) {}

  /** Whether `token` is this place's, compared in constant time. */
  opens(token: string): boolean {
    return !this.overflowed && resumeTokenOpens(token, this.tokenDigest);
  }

  /** Keeps one message for the owner; false once the place is too full to be resumed. */
  keep(message: ServerMessage): boolean {
    if (this.overflowed) return false;
    const encoded = encodeMessage(message);
    this.bytes += encoded.length;
    this.messages.push(encoded);
    if (this.messages.length > MAX_HELD_MESSAGES || this.bytes > MAX_HELD_BYTES) {
      this.overflowed = true;
      this.messages.length = 0;
    }
    return !this.overflowed;
  }

  /** The kept messages, oldest first, already encoded. */
  take(): string[] {
    return this.messages.splice(0);
  }
}
