import type { Participant, ParticipantId } from "@conclave/protocol";

/** WebRTC audioLevel (0..1) above which a participant counts as speaking. */
const SPEAKING_LEVEL = 0.04;

export interface ReceiveHealth {
  /** framesDecoded of each remote video that should be playing (camera on). */
  readonly decoded: Map<ParticipantId, number>;
  /** Remote participants whose microphone is on and whose audio is above speaking level. */
  readonly speaking: ParticipantId[];
}

/** Reads the receiving connection's inbound-rtp stats, attributed by mid to participants. */
export function readReceiveHealth(
  report: RTCStatsReport,
  mids: Readonly<Record<string, string>>,
  roster: ReadonlyMap<ParticipantId, Participant>,
): ReceiveHealth {
  const decoded = new Map<ParticipantId, number>();
  const speaking: ParticipantId[] = [];
  report.forEach((s: Record<string, unknown>) => {
    if (s.type !== "inbound-rtp" || typeof s.mid !== "string") return;
    const id = mids[s.mid] as ParticipantId | undefined;
    const who = id && roster.get(id);
    if (!id || !who) return;
    if (s.kind === "video" && who.video && typeof s.framesDecoded === "number") {
      decoded.set(id, s.framesDecoded);
    }
    if (s.kind === "audio" && who.audio && typeof s.audioLevel === "number") {
      if (s.audioLevel > SPEAKING_LEVEL) speaking.push(id);
    }
  });
  return { decoded, speaking };
}
