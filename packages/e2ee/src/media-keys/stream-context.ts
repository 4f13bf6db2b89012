// The streams one participant can send, each named by the KID's context field (RFC 9605 §5.2: the
// bits above sender index and epoch are "a context value chosen by the sender"). Every stream gets
// its own KID and therefore its own key and salt, so no two encoders of one sender share a
// (key, nonce) space (DESIGN T6), and receivers label tiles from the KID.

import { E2eeUsageError } from "../errors.ts";
import type { GroupPin } from "../mls/group-pin.ts";
import { type CipherSuite, cipherSuiteById } from "../sframe/suites.ts";

export const STREAM_CONTEXTS = {
  microphone: 0,
  camera: 1,
  cameraLayer0: 2,
  cameraLayer1: 3,
  cameraLayer2: 4,
  screen: 5,
  screenAudio: 6,
} as const;

export type StreamContext = keyof typeof STREAM_CONTEXTS;
export type MediaKind = "audio" | "video";

export const ALL_STREAMS: readonly StreamContext[] = Object.keys(
  STREAM_CONTEXTS,
) as StreamContext[];

const BY_ID: ReadonlyMap<number, StreamContext> = new Map(
  ALL_STREAMS.map((name) => [STREAM_CONTEXTS[name], name]),
);

/** The stream a context id names, or undefined for an id no Conclave client sends. */
export function streamContextFromId(id: number): StreamContext | undefined {
  return BY_ID.get(id);
}

export function mediaKindOf(stream: StreamContext): MediaKind {
  return stream === "microphone" || stream === "screenAudio" ? "audio" : "video";
}

/** The SFrame suite the group pins for this stream's kind. */
export function suiteForStream(stream: StreamContext, pin: GroupPin): CipherSuite {
  const id = mediaKindOf(stream) === "audio" ? pin.audioSuite : pin.videoSuite;
  const suite = cipherSuiteById(id);
  if (suite === undefined) throw new E2eeUsageError(`group pins unknown SFrame suite ${id}`);
  return suite;
}
