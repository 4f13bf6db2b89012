import { createHash } from "node:crypto";

/** Why a joiner with an old link is refused, or closed while it waits. */
export const LINK_REPLACED_MESSAGE = "the hosts replaced this meeting's link: ask to join";

/** What the server keeps of a link key: its SHA-256, hex. */
export function linkDigest(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The link a joiner came with: its key's digest, and whether it is a replaced link (`linkKey`). */
export interface PresentedLink {
  readonly digest: string;
  readonly replaced: boolean;
}

/**
 * Which link of a meeting is in force (docs/protocol.md "Replacing the link"): the first one until
 * members replace it ("remove and block"), then the latest. The only gate state the server keeps,
 * and only while the meeting exists.
 */
export class MeetingLink {
  /** The current link's key digest once replaced; undefined while the first link is current. */
  private current: string | undefined;

  /**
   * A replaced link that opens the meeting (its first joiner) makes itself current, so the old
   * link cannot walk into a meeting restarted later.
   */
  constructor(opener: PresentedLink | null) {
    if (opener?.replaced) this.current = opener.digest;
  }

  /** The digest of the link in force once replaced; null while the first link is. */
  get inForce(): string | null {
    return this.current ?? null;
  }

  /** Whether a joiner presenting this link may wait for admission. */
  admits(link: PresentedLink): boolean {
    return this.current === undefined || this.current === link.digest;
  }

  /** Whether a connection that came with `digest` (null: a knock) still holds the current link. */
  holds(digest: string | null): boolean {
    return this.current === undefined || this.current === digest;
  }

  /**
   * Makes `next` current if `current` is (the first link's key is checked by the caller:
   * `firstLink`). Idempotent: every member holding the secret sends the same change.
   */
  replace(current: string, next: string, firstLink: boolean): boolean {
    if (this.current === next) return true;
    if (this.current === undefined ? !firstLink : this.current !== current) return false;
    this.current = next;
    return true;
  }
}
