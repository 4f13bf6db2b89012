import type { Participant, ParticipantId } from "@conclave/protocol";
import type { ReceivedTracks } from "./peer-connections.ts";

/** WebRTC audioLevel (0..1) above which a participant counts as speaking. */
const SPEAKING_LEVEL = 0.04;

export interface ReceiveHealth {
  /** framesDecoded of each remote camera that should be playing (camera on). */
  readonly decoded: Map<ParticipantId, number>;
  /** framesDecoded of each remote screen share. */
  readonly screensDecoded: Map<ParticipantId, number>;
  /** Remote participants whose microphone is on and whose audio is above speaking level. */
  readonly speaking: ParticipantId[];
  /** Bytes the receiving connection's transport got so far, RTP and RTCP alike. */
  readonly bytesReceived: number;
  /** Whether anyone the connection carries has a microphone or camera on, so sends steadily. */
  readonly expectsMedia: boolean;
}

/** Reads the receiving connection's inbound-rtp stats, attributed by mid to participants. */
export function readReceiveHealth(
  report: RTCStatsReport,
  tracks: ReceivedTracks,
  roster: ReadonlyMap<ParticipantId, Participant>,
): ReceiveHealth {
  const decoded = new Map<ParticipantId, number>();
  const screensDecoded = new Map<ParticipantId, number>();
  const speaking: ParticipantId[] = [];
  let bytesReceived = 0;
  let expectsMedia = false;
  report.forEach((s: Record<string, unknown>) => {
    if (s.type === "transport" && typeof s.bytesReceived === "number") {
      bytesReceived += s.bytesReceived;
    }
    if (s.type !== "inbound-rtp" || typeof s.mid !== "string") return;
    const track = tracks[s.mid];
    const who = track && roster.get(track.participantId);
    if (!track || !who) return;
    if (who.audio || who.video) expectsMedia = true;
    const id = track.participantId;
    const frames = typeof s.framesDecoded === "number" ? s.framesDecoded : null;
    if (track.source === "camera" && who.video && frames !== null) decoded.set(id, frames);
    if (track.source === "screen" && frames !== null) screensDecoded.set(id, frames);
    if (track.source === "microphone" && who.audio && typeof s.audioLevel === "number") {
      if (s.audioLevel > SPEAKING_LEVEL) speaking.push(id);
    }
  });
  return { decoded, screensDecoded, speaking, bytesReceived, expectsMedia };
}
