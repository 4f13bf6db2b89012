import type { MediaSource, Participant, ParticipantId } from "@conclave/protocol";
import type { RosterEntry } from "../worker/reports.ts";
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
  /** Their screen share while it is on: a tile of its own. */
  readonly screen: RemoteScreen | null;
  /** Their connection dropped; the server holds their place while they come back. */
  readonly reconnecting: boolean;
  /** The SFU paused their camera to fit our link (videos-paused). */
  readonly videoPaused: boolean;
}

/** A remote screen share, named like its sharer's tile but from its own m-lines' KIDs. */
export interface RemoteScreen {
  readonly name: string;
  readonly leaf: number | null;
  readonly leafFromMedia: boolean;
  readonly videoStream: MediaStream;
  /** Tab or system audio, when they share it. */
  readonly audioStream: MediaStream | null;
  /** The SFU paused it to fit our link. */
  readonly paused: boolean;
}

/** What the connections say of the participants now, besides their tracks. */
export interface TrackConditions {
  /** Their connection dropped, and the server holds their place. */
  readonly reconnecting?: ReadonlySet<ParticipantId>;
  /** Receive mids the SFU paused to fit our link (videos-paused). */
  readonly paused?: ReadonlySet<string>;
}

/** What the MLS side knows: the roster, and which sender leaf each receive mid is bound to. */
export interface GroupLabels {
  readonly roster: readonly RosterEntry[];
  /** receive mid → sender leaf named by the KIDs of its authentic frames */
  readonly bindings: Readonly<Record<string, number>>;
  /** receive mid → participant and source the server says the m-line carries */
  readonly mids: Readonly<
    Record<string, { readonly participantId: string; readonly source: MediaSource }>
  >;
}

const CAMERA_SOURCES: readonly MediaSource[] = ["camera", "microphone"];
const SCREEN_SOURCES: readonly MediaSource[] = ["screen", "screenAudio"];

/**
 * The leaf that names a tile: the sender bound by SFrame KIDs to one of the participant's m-lines
 * of `sources` (the camera tile: camera, then microphone; a screen tile: screen, then its audio),
 * which the server cannot forge; else `fallback`, for the camera tile the leaf the server follows
 * for them, only a routing hint while no frame of theirs has been decrypted.
 */
export function leafOf(
  participant: Pick<Participant, "id" | "leaf">,
  labels: GroupLabels,
  sources: readonly MediaSource[] = CAMERA_SOURCES,
  fallback: { leaf: number | null; fromMedia: boolean } = {
    leaf: participant.leaf,
    fromMedia: false,
  },
): { leaf: number | null; fromMedia: boolean } {
  for (const source of sources) {
    for (const [mid, t] of Object.entries(labels.mids)) {
      const bound = labels.bindings[mid];
      if (t.participantId === participant.id && t.source === source && bound !== undefined) {
        return { leaf: bound, fromMedia: true };
      }
    }
  }
  return fallback;
}

function nameOf(leaf: number | null, labels: GroupLabels): { name: string; leaf: number | null } {
  const member = leaf === null ? undefined : labels.roster.find((r) => r.leaf === leaf);
  return member && !member.self ? { name: member.name, leaf } : { name: JOINING_NAME, leaf: null };
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
  { reconnecting = new Set(), paused = new Set() }: TrackConditions = {},
): Map<ParticipantId, RemoteParticipant> {
  const next = new Map<ParticipantId, RemoteParticipant>();
  const pausedSources = new Set(
    [...paused].flatMap((mid) => {
      const track = labels.mids[mid];
      return track ? [`${track.participantId}/${track.source}`] : [];
    }),
  );
  for (const p of roster.values()) {
    const t = tracks.get(p.id);
    const old = previous.get(p.id);
    const person = leafOf(p, labels);
    const named = nameOf(person.leaf, labels);
    const screenVideo = reuseStream(old?.screen?.videoStream ?? null, t?.screen ?? null);
    const screenLeaf = leafOf(p, labels, SCREEN_SOURCES, person);
    next.set(p.id, {
      id: p.id,
      name: named.name,
      leaf: named.leaf,
      leafFromMedia: person.fromMedia,
      audio: p.audio,
      video: p.video,
      videoStream: reuseStream(old?.videoStream ?? null, t?.camera ?? null),
      audioStream: reuseStream(old?.audioStream ?? null, t?.microphone ?? null),
      screen: screenVideo && {
        ...nameOf(screenLeaf.leaf, labels),
        leafFromMedia: screenLeaf.fromMedia,
        videoStream: screenVideo,
        audioStream: reuseStream(old?.screen?.audioStream ?? null, t?.screenAudio ?? null),
        paused: pausedSources.has(`${p.id}/screen`),
      },
      reconnecting: reconnecting.has(p.id),
      videoPaused: p.video && pausedSources.has(`${p.id}/camera`),
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
  for (const p of participants) {
    if (p.leaf !== null) shown.add(p.leaf);
    if (p.screen?.leaf != null) shown.add(p.screen.leaf);
  }
  return roster.filter((r) => !r.self && !shown.has(r.leaf));
}

function reuseStream(old: MediaStream | null, track: MediaStreamTrack | null): MediaStream | null {
  if (!track) return null;
  if (old && old.getTracks().length === 1 && old.getTracks()[0] === track) return old;
  return new MediaStream([track]);
}
