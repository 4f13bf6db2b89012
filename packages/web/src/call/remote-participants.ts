import type { Participant, ParticipantId } from "@conclave/protocol";
import type { RosterEntry } from "../worker/messages.ts";
import type { RemoteTracks } from "./peer-connections.ts";

/** Shown for a participant the server lists who is not (yet) in the MLS group. */
export const JOINING_NAME = "Joining…";

export interface RemoteParticipant {
  readonly id: ParticipantId;
  /** From the MLS roster (the member's signed credential), never from the server. */
  readonly name: string;
  /** The MLS leaf the name comes from, or null while the participant is not a member. */
  readonly leaf: number | null;
  /**
   * True when the leaf comes from the KID of this participant's authentic frames (DESIGN T6);
   * false when only the server says which leaf is theirs (no media decrypted yet).
   */
  readonly leafFromMedia: boolean;
  /** Whether their microphone / camera is on, as they announced it. */
  readonly audio: boolean;
  readonly video: boolean;
  readonly videoStream: MediaStream | null;
  readonly audioStream: MediaStream | null;
  /** Their connection dropped; the server holds their place while they come back. */
  readonly reconnecting: boolean;
}

/** What the MLS side knows: the roster, and which sender leaf each receive mid is bound to. */
export interface GroupLabels {
  readonly roster: readonly RosterEntry[];
  /** receive mid → sender leaf named by the KIDs of its authentic frames */
  readonly bindings: Readonly<Record<string, number>>;
  /** receive mid → participant the server says the m-line carries */
  readonly mids: Readonly<Record<string, string>>;
}

/**
 * The leaf that names a participant: the sender bound to one of its m-lines by SFrame KIDs first
 * (video, then audio: the server cannot forge those), else the leaf the server follows for it,
 * which is only a routing hint while no frame of theirs has been decrypted.
 */
export function leafOf(
  participant: Pick<Participant, "id" | "leaf">,
  labels: GroupLabels,
): { leaf: number | null; fromMedia: boolean } {
  for (const [mid, id] of Object.entries(labels.mids)) {
    const bound = labels.bindings[mid];
    if (id === participant.id && bound !== undefined) return { leaf: bound, fromMedia: true };
  }
  return { leaf: participant.leaf, fromMedia: false };
}

/**
 * Joins the server's participant list with the tracks the receiving connection carries now and
 * names each from the MLS roster. A participant keeps the same MediaStream while its track is the
 * same, so video elements do not restart.
 */
export function mergeTracks(
  roster: ReadonlyMap<ParticipantId, Participant>,
  tracks: ReadonlyMap<ParticipantId, RemoteTracks>,
  previous: ReadonlyMap<ParticipantId, RemoteParticipant>,
  labels: GroupLabels,
  reconnecting: ReadonlySet<ParticipantId> = new Set(),
): Map<ParticipantId, RemoteParticipant> {
  const next = new Map<ParticipantId, RemoteParticipant>();
  for (const p of roster.values()) {
    const t = tracks.get(p.id);
    const old = previous.get(p.id);
    const { leaf, fromMedia } = leafOf(p, labels);
    const member = leaf === null ? undefined : labels.roster.find((r) => r.leaf === leaf);
    next.set(p.id, {
      id: p.id,
      name: member && !member.self ? member.name : JOINING_NAME,
      leaf: member && !member.self ? leaf : null,
      leafFromMedia: fromMedia,
      audio: p.audio,
      video: p.video,
      videoStream: reuseStream(old?.videoStream ?? null, t?.video ?? null),
      audioStream: reuseStream(old?.audioStream ?? null, t?.audio ?? null),
      reconnecting: reconnecting.has(p.id),
    });
  }
  return next;
}

/** MLS members (other than us) whom no listed participant accounts for: shown, never hidden. */
export function membersWithoutTile(
  roster: readonly RosterEntry[],
  participants: Iterable<RemoteParticipant>,
): RosterEntry[] {
  const shown = new Set<number>();
  for (const p of participants) if (p.leaf !== null) shown.add(p.leaf);
  return roster.filter((r) => !r.self && !shown.has(r.leaf));
}

function reuseStream(old: MediaStream | null, track: MediaStreamTrack | null): MediaStream | null {
  if (!track) return null;
  if (old && old.getTracks().length === 1 && old.getTracks()[0] === track) return old;
  return new MediaStream([track]);
}
