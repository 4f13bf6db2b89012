import type { Participant, ParticipantId } from "@conclave/protocol";
import type { RemoteTracks } from "./peer-connections.ts";

export interface RemoteParticipant {
  readonly id: ParticipantId;
  readonly name: string;
  /** Whether their microphone / camera is on, as they announced it. */
  readonly audio: boolean;
  readonly video: boolean;
  readonly videoStream: MediaStream | null;
  readonly audioStream: MediaStream | null;
}
/**
 * Joins the roster with the tracks the receiving connection carries now. A participant keeps the
 * same MediaStream while its track is the same, so video elements do not restart.
 */
export function mergeTracks(
  roster: ReadonlyMap<ParticipantId, Participant>,
  tracks: ReadonlyMap<ParticipantId, RemoteTracks>,
  previous: ReadonlyMap<ParticipantId, RemoteParticipant>,
): Map<ParticipantId, RemoteParticipant> {
  const next = new Map<ParticipantId, RemoteParticipant>();
  for (const p of roster.values()) {
    const t = tracks.get(p.id);
    const old = previous.get(p.id);
    next.set(p.id, {
      id: p.id,
      name: p.name,
      audio: p.audio,
      video: p.video,
      videoStream: reuseStream(old?.videoStream ?? null, t?.video ?? null),
      audioStream: reuseStream(old?.audioStream ?? null, t?.audio ?? null),
    });
  }
  return next;
}

function reuseStream(old: MediaStream | null, track: MediaStreamTrack | null): MediaStream | null {
  if (!track) return null;
  if (old && old.getTracks().length === 1 && old.getTracks()[0] === track) return old;
  return new MediaStream([track]);
}
