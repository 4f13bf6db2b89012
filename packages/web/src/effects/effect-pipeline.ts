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

/**
 * Composes one frame; `emit` sends it on, within the timing (a canvas draws lazily: making a
 * VideoFrame of it is when the drawing is done).
 */
type Compose = (
  source: CanvasImageSource,
  width: number,
  height: number,
  emit: () => void,
) => Promise<void>;

/** Segments (every other frame) and composes one frame onto `output`, and times it. */
function composer(
  output: HTMLCanvasElement | OffscreenCanvas,
  { segmenter, backdrop, onFrame }: PipelineOptions,
): Compose {
  const compositor = createCompositor(output, backdrop);
  // The camera's frame (YUV in a VideoFrame or a <video>) turned into RGB once, for the segmenter
  // and the compositor's three reads of it.
  const picture = new OffscreenCanvas(640, 480);
  const pictureContext = picture.getContext("2d");
  if (!pictureContext) throw new Error("no 2D canvas context");
  let mask: ImageData | undefined;
  let frame = 0;
  let segmentShare = 0;
  return async (source, width, height, emit) => {
    const started = performance.now();
    if (picture.width !== width || picture.height !== height) {
      picture.width = width;
      picture.height = height;
    }
    pictureContext.drawImage(source, 0, 0, width, height);
    let spent = segmentShare;
    if (mask === undefined || frame % SEGMENT_EVERY === 0) {
      const segmentStarted = performance.now();
      mask = await segmenter.segment(picture);
      const segmentMs = performance.now() - segmentStarted;
      segmentShare = segmentMs / SEGMENT_EVERY;
      spent = segmentShare - segmentMs;
    }
    frame++;
    compositor.draw(picture, width, height, mask);
    emit();
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
        const { timestamp } = frame;
        await compose(frame, frame.displayWidth, frame.displayHeight, () => {
          // Handing over the canvas's pixels, not copying them (the next frame redraws it all).
          const bitmap = canvas.transferToImageBitmap();
          controller.enqueue(new VideoFrame(bitmap, { timestamp }));
          bitmap.close();
        });
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
    // The canvas's capture takes the frame when it is drawn: nothing to emit.
    compose(video, video.videoWidth, video.videoHeight, () => {}).then(next, (error: unknown) => {
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
