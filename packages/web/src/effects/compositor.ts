/**
 * Draws the person over a blurred or replaced background at the camera's resolution, with the
 * canvas 2D API (software-rasterised on a machine without a GPU, and still a few milliseconds).
 *
 * The blur is done on a quarter-size copy of the frame, then scaled back up: the same look as a
 * wide blur at full size for a sixteenth of the pixels. The mask, 256×144, is stretched to the
 * frame with bilinear smoothing, which softens the person's outline.
 */
/** What replaces the background: a blur of the camera's own picture, or a still image. */
export type Backdrop =
  | { readonly kind: "blur" }
  | { readonly kind: "image"; readonly image: ImageBitmap };

/** The blur radius on the quarter-size copy; about 4 times that on the sent picture. */
const BLUR_PX = 4;
const SHRINK = 4;

export interface Compositor {
  /** Composes one frame: `frame` is the camera's picture, `mask` the segmenter's last output. */
  draw(frame: CanvasImageSource, width: number, height: number, mask: ImageData): void;
}

type Canvas = HTMLCanvasElement | OffscreenCanvas;
type Context2D = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

function context2d(canvas: Canvas): Context2D {
  const context = canvas.getContext("2d") as Context2D | null;
  if (!context) throw new Error("no 2D canvas context");
  return context;
}

function resize(canvas: Canvas, width: number, height: number): void {
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
}

/** Draws `image` to fill width×height, cropping what overflows (CSS `object-fit: cover`). */
function drawCover(context: Context2D, image: ImageBitmap, width: number, height: number): void {
  const scale = Math.max(width / image.width, height / image.height);
  const w = image.width * scale;
  const h = image.height * scale;
  context.drawImage(image, (width - w) / 2, (height - h) / 2, w, h);
}

/** Composes onto `canvas`, resized to each frame; `backdrop` is asked at every frame. */
export function createCompositor(canvas: Canvas, backdrop: () => Backdrop): Compositor {
  const output = context2d(canvas);
  // Sized to the mask at each frame (256×144 from segmenter.ts, which is not imported here so
  // that LiteRT.js stays out of the app's first download).
  const maskCanvas = new OffscreenCanvas(1, 1);
  const maskContext = context2d(maskCanvas);
  const softMaskCanvas = new OffscreenCanvas(1, 1);
  const softMask = context2d(softMaskCanvas);
  const shrunkCanvas = new OffscreenCanvas(160, 120);
  const shrunk = context2d(shrunkCanvas);
  const blurredCanvas = new OffscreenCanvas(160, 120);
  const blurred = context2d(blurredCanvas);

  // Without canvas filters (older Safari) the background would go out sharp: shrinking it 32
  // times by halvings (each one averages 2×2 pixels; one big step would skip pixels and keep fine
  // stripes) and stretching it back blurs it instead: a 32-pixel box, about as strong as the
  // filter's blur.
  const canFilter = "filter" in blurred;

  /** The frame at a quarter of its size, blurred; or at a 32nd. */
  function blur(frame: CanvasImageSource, width: number, height: number): OffscreenCanvas {
    if (!canFilter) return halve(frame, width, height, 32);
    const w = Math.max(1, Math.round(width / SHRINK));
    const h = Math.max(1, Math.round(height / SHRINK));
    resize(shrunkCanvas, w, h);
    resize(blurredCanvas, w, h);
    shrunk.drawImage(frame, 0, 0, w, h);
    // The unblurred copy under the blur, whose edges fade to transparent.
    blurred.filter = "none";
    blurred.drawImage(shrunkCanvas, 0, 0);
    blurred.filter = `blur(${BLUR_PX}px)`;
    blurred.drawImage(shrunkCanvas, 0, 0);
    return blurredCanvas;
  }

  /** `frame` shrunk `factor` times (a power of two) by halvings, between the two small canvases. */
  function halve(frame: CanvasImageSource, width: number, height: number, factor: number) {
    let source: CanvasImageSource = frame;
    let [target, other] = [shrunkCanvas, blurredCanvas];
    for (let f = 2; f <= factor; f *= 2) {
      const w = Math.max(1, Math.round(width / f));
      const h = Math.max(1, Math.round(height / f));
      resize(target, w, h);
      context2d(target).drawImage(source, 0, 0, w, h);
      source = target;
      [target, other] = [other, target];
    }
    return source as OffscreenCanvas;
  }

  return {
    draw(frame, width, height, mask) {
      resize(canvas, width, height);
      resize(maskCanvas, mask.width, mask.height);
      maskContext.putImageData(mask, 0, 0);
      // Softened at its own small size, so that stretching it shows no steps.
      resize(softMaskCanvas, mask.width, mask.height);
      softMask.clearRect(0, 0, mask.width, mask.height);
      // Set at each frame: resizing a canvas resets its context's state.
      softMask.filter = "blur(1px)";
      softMask.drawImage(maskCanvas, 0, 0);
      const chosen = backdrop();
      const background = chosen.kind === "blur" ? blur(frame, width, height) : null;
      // Three passes over the full frame: the picture, cut to the person by the mask (stretched,
      // which softens its outline), then the background drawn behind what is left.
      output.globalCompositeOperation = "copy";
      output.drawImage(frame, 0, 0, width, height);
      output.globalCompositeOperation = "destination-in";
      output.drawImage(softMaskCanvas, 0, 0, width, height);
      output.globalCompositeOperation = "destination-over";
      if (background) output.drawImage(background, 0, 0, width, height);
      else if (chosen.kind === "image") drawCover(output, chosen.image, width, height);
      output.globalCompositeOperation = "source-over";
    },
  };
}
