import type { Participant } from "@conclave/protocol";
import type { Room } from "@conclave/sfu";
import { Attendee, type Connection } from "./attendee.ts";
import type { DeliveryTail } from "./delivery-tail.ts";
import { newResumeToken } from "./held-place.ts";
import { receiverSignals } from "./media-signalling.ts";
import type { MeetingRecord } from "./meeting-record.ts";

/**
 * Makes a meeting's attendee (meeting.ts, for a join or an admitted knock) and tells its
 * connection; it is not listed yet. Its media peer is the one its held place kept when the client
 * kept its connections too (`keepsMedia`), else a new one in `media`. With a record (several
 * machines), its resume token's digest is written before the connection hears anything.
 */
export function seatAttendee(
  media: Room,
  record: MeetingRecord | null,
  connection: Connection,
  state: Omit<Participant, "leaf">,
  options: {
    linkDigest?: string | null;
    tail?: DeliveryTail;
    keepsMedia?: boolean;
    /** A held place taken back, not a new one. */
    taken?: boolean;
    /** Digests of the tokens its place already redeemed (redeemed-tokens.ts), for its record. */
    redeemed?: readonly Buffer[];
  } = {},
): { attendee: Attendee; resumeToken: string; mediaKept: boolean } {
  const to = record ? record.connect(connection) : connection;
  const signals = receiverSignals(to);
  const kept = options.keepsMedia ? media.reconnectPeer(state.id, signals) : null;
  if (!kept) media.removePeer(state.id);
  // Its microphone and camera reach the others once its `media-state` says they are on.
  const peer = kept ?? media.addPeer(state.id, signals, { awaitMedia: true });
  const token = newResumeToken();
  const attendee = new Attendee(
    to,
    peer,
    state,
    token.digest,
    options.linkDigest ?? null,
    options.tail,
  );
  // A place taken back keeps its log: the member counts on from what it received.
  record?.seated(state, token.digest, options.taken !== true, options.redeemed ?? []);
  to.seated(attendee);
  return { attendee, resumeToken: token.token, mediaKept: kept !== null };
}
