// What this member asks for as a host or co-host (MeetingMember setLocked, deny, remove, admit,
// …): checked against our role now, then queued in the state's host requests
// (host-requests.ts), which commit turns commit in our next turn whatever our rank.
import type { Fingerprint } from "../admission/fingerprint.ts";
import { fingerprintFromBytes } from "../admission/fingerprint.ts";
import { mayChange, type RolesChange } from "../admission/roles-change.ts";
import { rosterEntry } from "../mls/roster.ts";
import type { Draft } from "./draft.ts";
import { requestAdmit, requestChange, requestRemove } from "./host-requests.ts";
import { ownRole } from "./roster-view.ts";

/** Queues a roles change made for our role (and fingerprint) now; false if not allowed. */
export function askChange(d: Draft, make: (me: Fingerprint) => RolesChange): boolean {
  const me = ownRole(d.state);
  if (me === undefined) return false;
  const change = make(me.fingerprint);
  if (!mayChange(me.role, change)) return false;
  d.set({ requests: requestChange(d.state.requests, change) });
  return true;
}

/** Queues the removal of the member at `leaf` (not us); false if we may not or nobody is there. */
export function askRemove(d: Draft, leaf: number): boolean {
  const me = ownRole(d.state);
  const session = d.state.session;
  const entry = session === undefined ? undefined : rosterEntry(session.roster, leaf);
  if (me === undefined || me.role === "member" || entry === undefined) return false;
  if (leaf === session?.ownLeafIndex) return false;
  const fingerprint = fingerprintFromBytes(entry.fingerprint);
  d.set({ requests: requestRemove(d.state.requests, leaf, fingerprint) });
  return true;
}

/**
 * Queues the lobby admission of exactly the upload whose KeyPackageRef (hex) the host's card
 * showed; false if we may not, or that upload does not wait under that id.
 */
export function askAdmit(d: Draft, participantId: string, ref: string): boolean {
  const me = ownRole(d.state);
  const upload = d.state.uploads.get(participantId);
  if (me === undefined || me.role === "member" || upload?.ref !== ref) return false;
  d.set({ requests: requestAdmit(d.state.requests, participantId, ref) });
  return true;
}
