/**
 * MediaStreamTrackProcessor and MediaStreamTrackGenerator ("breakout box", W3C
 * mediacapture-transform), which Chromium exposes on the page and TypeScript's DOM library does
 * not declare. Only what Conclave uses, looked up at run time: undefined where a browser lacks
 * them (Firefox), which then takes the canvas path (effect-pipeline.ts).
 */

interface TrackProcessor<T> {
  readonly readable: ReadableStream<T>;
}
type TrackProcessorConstructor = new <T>(init: { track: MediaStreamTrack }) => TrackProcessor<T>;

interface TrackGenerator<T> extends MediaStreamTrack {
  readonly writable: WritableStream<T>;
}
type TrackGeneratorConstructor = new <T>(init: { kind: "audio" | "video" }) => TrackGenerator<T>;

export interface BreakoutBox {
  readonly Processor: TrackProcessorConstructor;
  readonly Generator: TrackGeneratorConstructor;
}

/** The two constructors, or undefined where the browser does not have both on the page. */
export function breakoutBox(): BreakoutBox | undefined {
  const scope = globalThis as unknown as Record<string, unknown>;
  const Processor = scope.MediaStreamTrackProcessor as TrackProcessorConstructor | undefined;
  const Generator = scope.MediaStreamTrackGenerator as TrackGeneratorConstructor | undefined;
  return Processor && Generator ? { Processor, Generator } : undefined;
}
