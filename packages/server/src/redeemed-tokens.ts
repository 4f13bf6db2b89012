import type { ParticipantId } from "@conclave/protocol";
import { resumeTokenOpens } from "./held-place.ts";

/** How many used tokens each place remembers: more reconnections than a meeting sees. */
export const MAX_REDEEMED_PER_PLACE = 32;

/**
 * The resume tokens each place of a meeting already redeemed (docs/protocol.md "Reconnecting"),
 * kept as the SHA-256 digests the server keeps of every token. A token opens its place once: the
 * connection that presented it takes the place and a new token, and the same token presented
 * again (a second tab, a copy, a race on two nodes) is refused with RESUME_TOKEN_USED instead of
 * being seated as someone new. Remembered while the place exists, the last
 * MAX_REDEEMED_PER_PLACE of each; with Redis they are journaled with the place, so the node that
 * takes a meeting over refuses them too.
 */
export class RedeemedTokens {
  private readonly byPlace = new Map<ParticipantId, Buffer[]>();

  /** The token whose digest is `digest` just opened `id`'s place. */
  redeem(id: ParticipantId, digest: Buffer): void {
    const used = [...(this.byPlace.get(id) ?? []), digest];
    this.byPlace.set(id, used.slice(-MAX_REDEEMED_PER_PLACE));
  }

  /** Whether `token` already opened `id`'s place, compared in constant time. */
  used(id: ParticipantId, token: string): boolean {
    let found = false;
    for (const digest of this.byPlace.get(id) ?? []) {
      if (resumeTokenOpens(token, digest)) found = true;
    }
    return found;
  }

  /** The digests `id`'s place redeemed, oldest first: what its record keeps. */
  of(id: ParticipantId): readonly Buffer[] {
    return this.byPlace.get(id) ?? [];
  }

  /** What a place's record kept, on the node that took the meeting over. */
  restore(id: ParticipantId, digests: readonly Buffer[]): void {
    if (digests.length > 0) this.byPlace.set(id, digests.slice(-MAX_REDEEMED_PER_PLACE));
  }

  /** The place is gone for good: its tokens are just unknown now. */
  forget(id: ParticipantId): void {
    this.byPlace.delete(id);
  }
}
