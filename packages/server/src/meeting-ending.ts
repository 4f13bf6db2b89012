import type { Room } from "@conclave/sfu";
import type { CloseCode } from "./attendee.ts";
import type { HeldPlaces } from "./held-places.ts";
import type { Lobby } from "./lobby.ts";
import type { MeetingRecord } from "./meeting-record.ts";
import type { MeetingRoster } from "./meeting-roster.ts";

/** How often a meeting being handed off looks whether its members closed their side. */
const HAND_OFF_POLL_MS = 10;

/** What a meeting owns on this node, which each way of ending it lets go of (meeting.ts). */
export interface MeetingParts {
  readonly lobby: Lobby;
  readonly attendees: MeetingRoster;
  readonly held: HeldPlaces;
  readonly media: Room;
  readonly record: MeetingRecord | null;
  /** Tells the registry (meetings.ts), once. */
  readonly onClose: () => void;
}

/**
 * The meeting ends here and everywhere: knocks and attendees still connected get `code`, and the
 * held places, the SFU room (every peer, transport and producer) and the record go.
 */
export function closeMeeting(parts: MeetingParts, code: CloseCode, message: string): void {
  parts.lobby.close(code, message);
  for (const attendee of parts.attendees.values()) {
    attendee.stopWaiting();
    attendee.connection.close(code, message);
  }
  parts.attendees.clear();
  parts.held.close();
  parts.media.close();
  parts.record?.close();
  parts.onClose();
}

/**
 * This node lost the meeting's lease (meeting-record.ts): another node runs it now, or will. It
 * stops serving it at once, writing and sending nothing more: every connection, knocks' too, is
 * dropped as a lost network would drop it, so its client reconnects, with its resume token, to
 * the owner.
 */
export function abandonMeeting(parts: MeetingParts): void {
  parts.lobby.release("drop");
  const attendees = [...parts.attendees.values()];
  parts.attendees.clear();
  for (const attendee of attendees) {
    attendee.stopWaiting();
    attendee.connection.drop();
  }
  parts.held.close();
  parts.media.close();
  parts.onClose();
}

/**
 * This node is going out of service (a drain, with Redis): the meeting moves to whichever node
 * its members reach next. Each connection is told SHUTTING_DOWN, a recoverable code on which its
 * client reconnects with its resume token, once everything before it is written; knocks come back
 * with theirs to their knock on the next node. What a member sent before it saw the close is
 * still relayed and written; once every member closed its side (or after `closeMs`), the last
 * writes are finished and the lease released with the record kept, so the next node takes the
 * meeting over at once: same places, same group, no new epoch, the same knocks waiting.
 */
export async function handOffMeeting(
  parts: MeetingParts & { readonly record: MeetingRecord },
  message: string,
  closeMs: number,
): Promise<void> {
  parts.lobby.release({ code: "SHUTTING_DOWN", message });
  for (const attendee of parts.attendees.values()) {
    attendee.stopWaiting();
    attendee.connection.release("SHUTTING_DOWN", message);
  }
  const deadline = Date.now() + closeMs;
  while (parts.attendees.size > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, HAND_OFF_POLL_MS));
  }
  // A client that has not closed its side by now is dropped; its place is kept all the same.
  for (const attendee of [...parts.attendees.values()]) attendee.connection.drop();
  try {
    await parts.record.handOff();
  } finally {
    parts.attendees.clear();
    parts.held.close();
    parts.media.close();
    parts.onClose();
  }
}
