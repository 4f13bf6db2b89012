/**
 * Runs the camera's frames through the segmenter and the compositor and gives back a new video
 * track, which replaces the camera's at the sender: the page's E2EE worker then encrypts the
 * composed frames, so neither the server nor the others ever receive the unblurred picture.
 *
 * Where the browser has MediaStreamTrackProcessor and MediaStreamTrackGenerator (Chromium), each
 * camera frame is read, composed and written with its own timestamp. Elsewhere (Firefox) a
 * `<video>` plays the camera and each new frame is composed onto a canvas whose captureStream()
 * is the track.
 */
import { type BreakoutBox, breakoutBox } from "./breakout-box.ts";
import { type Backdrop, createCompositor } from "./compositor.ts";
import type { Segmenter } from "./segmenter.ts";

export interface EffectPipeline {
  readonly track: MediaStreamTrack;
  stop(): void;
}

export interface PipelineOptions {
  readonly camera: MediaStreamTrack;
  readonly segmenter: Segmenter;
  readonly backdrop: () => Backdrop;
  /** Milliseconds spent on each frame, the segmentation shared between the frames it serves. */
  readonly onFrame: (ms: number) => void;
  /** The pipeline broke (a frame could not be read or composed); the caller falls back. */
  readonly onError: (error: unknown) => void;
}

/** The mask is computed every other frame: a person moves little in 1/15 s. */
const SEGMENT_EVERY = 2;

type Compose = (source: CanvasImageSource, width: number, height: number) => Promise<void>;

/** Segments (every other frame) and composes one frame onto `output`, and times it. */
function composer(
  output: HTMLCanvasElement | OffscreenCanvas,
  { segmenter, backdrop, onFrame }: PipelineOptions,
): Compose {
  const compositor = createCompositor(output, backdrop);
  let mask: ImageData | undefined;
  let frame = 0;
  let segmentShare = 0;
  return async (source, width, height) => {
    const started = performance.now();
    let spent = segmentShare;
    if (mask === undefined || frame % SEGMENT_EVERY === 0) {
      mask = await segmenter.segment(source);
      const segmentMs = performance.now() - started;
      segmentShare = segmentMs / SEGMENT_EVERY;
      spent = segmentShare - segmentMs;
    }
    frame++;
    compositor.draw(source, width, height, mask);
    onFrame(performance.now() - started + spent);
  };
}

export function startPipeline(options: PipelineOptions): EffectPipeline {
  const box = breakoutBox();
  return box ? startTrackProcessing(box, options) : startCanvasCapture(options);
}

function startTrackProcessing(box: BreakoutBox, options: PipelineOptions): EffectPipeline {
  const processor = new box.Processor<VideoFrame>({ track: options.camera });
  const generator = new box.Generator<VideoFrame>({ kind: "video" });
  const canvas = new OffscreenCanvas(640, 480);
  const compose = composer(canvas, options);
  const abort = new AbortController();
  const transform = new TransformStream<VideoFrame, VideoFrame>({
    async transform(frame, controller) {
      try {
        await compose(frame, frame.displayWidth, frame.displayHeight);
        const timestamp = frame.timestamp;
        controller.enqueue(new VideoFrame(canvas, { timestamp }));
      } finally {
        frame.close();
      }
    },
  });
  processor.readable
    .pipeThrough(transform, { signal: abort.signal })
    .pipeTo(generator.writable, { signal: abort.signal })
    .catch((error: unknown) => {
      if (!abort.signal.aborted) options.onError(error);
    });
  return {
    track: generator,
    stop() {
      abort.abort();
      generator.stop();
    },
  };
}

function startCanvasCapture(options: PipelineOptions): EffectPipeline {
  const settings = options.camera.getSettings();
  const video = document.createElement("video");
  video.muted = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([options.camera]);
  const canvas = document.createElement("canvas");
  canvas.width = settings.width ?? 640;
  canvas.height = settings.height ?? 480;
  const compose = composer(canvas, options);
  const track = canvas.captureStream(settings.frameRate ?? 30).getVideoTracks()[0];
  if (!track) throw new Error("canvas.captureStream gave no video track");
  let stopped = false;

  const next = () => {
    if (stopped) return;
    if ("requestVideoFrameCallback" in video) video.requestVideoFrameCallback(step);
    else setTimeout(step, 1000 / (settings.frameRate ?? 30));
  };
  const step = () => {
    if (stopped) return;
    if (video.videoWidth === 0) return next();
    compose(video, video.videoWidth, video.videoHeight).then(next, (error: unknown) => {
      if (!stopped) options.onError(error);
    });
  };
  video.play().then(next, options.onError);
  return {
    track,
    stop() {
      stopped = true;
      track.stop();
      video.srcObject = null;
    },
  };
}
