// Commits a verified rollback withdrew (member/rollback-evidence.ts), by reference. MLS is
// deterministic: a withdrawn commit applied again would give the epoch the same keys as before,
// and members that had sent media under them would start new key rings with counters from 0.
// So a member never adopts one again: the Delivery Service has no honest reason to send it, and
// one that does is logged (docs/e2ee.md "Recovery from a commit members cannot apply").
import { toHex } from "../sframe/bytes.ts";

/** How many withdrawn commits are remembered; each rollback adds one. */
export const MAX_WITHDRAWN = 64;

export class WithdrawnCommits {
  readonly #refs = new Set<string>();

  add(ref: Uint8Array): void {
    this.#refs.add(toHex(ref));
    for (const oldest of this.#refs) {
      if (this.#refs.size <= MAX_WITHDRAWN) break;
      this.#refs.delete(oldest);
    }
  }

  has(ref: Uint8Array): boolean {
    return this.#refs.has(toHex(ref));
  }
}
