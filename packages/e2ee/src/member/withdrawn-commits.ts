// Commits a verified rollback withdrew (member/rollback-evidence.ts), by reference. MLS is
// deterministic: a withdrawn commit applied again would give the epoch the same keys as before,
// and members that had sent media under them would start new key rings with counters from 0.
// So a member never adopts one again: the Delivery Service has no honest reason to send it, and
// one that does is logged (docs/e2ee.md "Recovery from a commit members cannot apply").
//
// A value: `withdraw` returns a new set and leaves the one it got as it was.
import { toHex } from "../sframe/bytes.ts";

/** How many withdrawn commits are remembered; each rollback adds one. */
export const MAX_WITHDRAWN = 64;

/** References (hex) of withdrawn commits, oldest first. */
export type WithdrawnCommits = ReadonlySet<string>;

export const NO_WITHDRAWN: WithdrawnCommits = new Set();

export function withdraw(withdrawn: WithdrawnCommits, ref: Uint8Array): WithdrawnCommits {
  const next = new Set(withdrawn).add(toHex(ref));
  for (const oldest of next) {
    if (next.size <= MAX_WITHDRAWN) break;
    next.delete(oldest);
  }
  return next;
}

export function isWithdrawn(withdrawn: WithdrawnCommits, ref: Uint8Array): boolean {
  return withdrawn.has(toHex(ref));
}
