import type { ClientMessage, MediaSource, ParticipantId, ServerMessage } from "@conclave/protocol";
import type { ForwardedTrack, ReceiverSignals, ScreenShare } from "@conclave/sfu";
import type { Attendee } from "./attendee.ts";
import type { Metrics } from "./metrics.ts";

/** The messages of media signalling (docs/protocol.md "Lifecycle"): one attendee's media. */
export type MediaMessage = Extract<
  ClientMessage,
  {
    type:
      | "publish"
      | "subscribe-answer"
      | "ice-candidate"
      | "keyframe-request"
      | "screen-share"
      | "media-state"
      | "view";
  }
>;

const MEDIA_TYPES: ReadonlySet<ClientMessage["type"]> = new Set<MediaMessage["type"]>([
  "publish",
  "subscribe-answer",
  "ice-candidate",
  "keyframe-request",
  "screen-share",
  "media-state",
  "view",
]);

export function isMediaMessage(message: ClientMessage): message is MediaMessage {
  return MEDIA_TYPES.has(message.type);
}

/** What media signalling needs of the meeting: its SFU room, and telling the others. */
export interface MediaRoom {
  requestKeyframe(publisherId: ParticipantId, source: MediaSource): void;
  shareScreen(attendee: Attendee, share: ScreenShare): void;
  updateMedia(attendee: Attendee, audio: boolean, video: boolean): void;
}

/**
 * Carries out one media message of `attendee`, and returns the reply for it, if any. SDP goes to
 * the attendee's own peer; keyframe requests and screen shares to the meeting's room, which
 * reaches the publisher.
 */
export async function signalMedia(
  room: MediaRoom,
  attendee: Attendee,
  message: MediaMessage,
  metrics: Pick<Metrics, "iceCandidates">,
): Promise<ServerMessage | null> {
  switch (message.type) {
    case "publish":
      return { type: "publish-answer", sdp: await attendee.peer.answerPublish(message.sdp) };
    case "subscribe-answer":
      await attendee.peer.applySubscribeAnswer(message.sdp);
      return null;
    case "ice-candidate": {
      // Detached: the media stack may take its time over a candidate, and nothing that follows
      // in the connection's queue waits for it. One it cannot use changes nothing; ICE goes on.
      const { transport, candidate, sdpMid, sdpMLineIndex } = message;
      attendee.peer.addIceCandidate(transport, { candidate, sdpMid, sdpMLineIndex }).then(
        (outcome) => metrics.iceCandidates.inc({ outcome }),
        () => metrics.iceCandidates.inc({ outcome: "failed" }),
      );
      return null;
    }
    case "keyframe-request":
      room.requestKeyframe(message.participantId, message.source ?? "camera");
      return null;
    case "screen-share":
      room.shareScreen(attendee, message);
      return null;
    case "media-state":
      room.updateMedia(attendee, message.audio, message.video);
      return null;
    case "view":
      attendee.peer.setView(message.videos);
      return null;
  }
}

/** What the SFU tells an attendee about its connections, as the wire says it. */
export function receiverSignals(to: { send(message: ServerMessage): void }): ReceiverSignals {
  return {
    offer: (sdp: string, tracks: readonly ForwardedTrack[]) =>
      to.send({
        type: "subscribe-offer",
        sdp,
        tracks: tracks.map((t) => ({
          mid: t.mid,
          participantId: t.publisherId as ParticipantId,
          kind: t.kind,
          source: t.source,
        })),
      }),
    videosPaused: (mids) => to.send({ type: "videos-paused", mids }),
    cameraLayers: (layers) => to.send({ type: "camera-layers", layers }),
  };
}
