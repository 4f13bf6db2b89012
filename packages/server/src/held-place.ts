import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Participant } from "@conclave/protocol";
import { toBase64url } from "@conclave/protocol";
import type { Tally } from "./capacity.ts";
import type { DeliveryTail } from "./delivery-tail.ts";

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

/** Where a held place's bytes are counted: the server's held-bytes tally, under its owner. */
export interface HeldBytes {
  readonly tally: Tally;
  /** The owner's address key (client-address.ts). */
  readonly address: string;
}

/**
 * A held place its owner takes back, having received `received` of the messages sent to it, and
 * whether it kept its media connections (ICE restarts on them then).
 */
export interface Resumption {
  readonly place: HeldPlace;
  readonly received: number;
  readonly keepsMedia: boolean;
}

/**
 * The place of an MLS member whose connection dropped (docs/protocol.md "Reconnecting"): its
 * participant id, its leaf in the Delivery Service, the tail of what its dropped connection was
 * sent, and every message meant for it since, kept in order for the reconnection window. A new
 * connection presenting the resume token takes it over and gets what it missed, so the member's
 * MLS state carries on where it was without a new leaf. What it
 * keeps counts against the server's and its owner's held-bytes caps; past either (or past its own
 * limits) the place is given up.
 */
export class HeldPlace {
  private readonly messages: string[] = [];
  private bytes = 0;
  private readonly timer: ReturnType<typeof setTimeout>;
  /** Why it was given up, once it was: its own limits, or a held-bytes cap (then it never opens). */
  private givenUp: "place" | "total" | "address" | null = null;
  private closed = false;

  constructor(
    readonly participant: Omit<Participant, "leaf">,
    /** SHA-256 of the resume token that opens it. */
    readonly digest: Buffer,
    /** What the dropped connection was sent, numbered: it may not all have arrived. */
    private readonly tail: DeliveryTail,
    private readonly budget: HeldBytes,
    /** The reconnection window, and what to do when it passes. */
    windowMs: number,
    onExpiry: () => void,
  ) {
    this.timer = setTimeout(onExpiry, windowMs);
  }

  /** Why the place was given up (too much kept), or null while it can still be taken back. */
  get overflow(): "place" | "total" | "address" | null {
    return this.givenUp;
  }

  /** Whether `token` is this place's, compared in constant time. */
  opens(token: string): boolean {
    return this.givenUp === null && resumeTokenOpens(token, this.digest);
  }

  /** Whether an owner who received `received` messages can carry on from here. */
  covers(received: number): boolean {
    return !this.closed && this.tail.after(received) !== null;
  }

  /** Keeps one message for the owner, already encoded; false once it is too full to resume. */
  keep(encoded: string): boolean {
    if (this.givenUp !== null) return false;
    const over = this.budget.tally.take(this.budget.address, encoded.length);
    if (over === null) {
      this.bytes += encoded.length;
      this.messages.push(encoded);
    }
    if (over !== null || this.messages.length > MAX_HELD_MESSAGES || this.bytes > MAX_HELD_BYTES) {
      this.givenUp = over ?? "place";
      this.close();
    }
    return this.givenUp === null;
  }

  /**
   * What its owner missed after the first `received` messages, oldest first, already encoded
   * (null if the place does not cover it, or was closed); the place is closed.
   */
  take(received: number): string[] | null {
    const missed = this.closed ? null : this.tail.after(received);
    const messages = this.messages.splice(0);
    this.close();
    return missed === null ? null : [...missed, ...messages];
  }

  /** Stops its window and gives its bytes back. Idempotent. */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.messages.length = 0;
    this.budget.tally.give(this.budget.address, this.bytes);
    this.bytes = 0;
  }
}
