// Runs in the benchmark's Chromium page (bench/src/on-device-models.ts), bundled by esbuild: the
// app's own background effect (packages/web/src/effects/): LiteRT.js running the landscape selfie
// segmentation model on the CPU at its 256x144, then the person composed over a blurred 640x480
// background. The frames show a drawn head and shoulders moving over a striped wall.
import { drawPerson } from "../../../e2e/drawn-person.ts";
import { createCompositor } from "../../../packages/web/src/effects/compositor.ts";
import { createSegmenter } from "../../../packages/web/src/effects/segmenter.ts";

const WIDTH = 640;
const HEIGHT = 480;
const source = new OffscreenCanvas(WIDTH, HEIGHT);
const context = source.getContext("2d");
const composed = new OffscreenCanvas(WIDTH, HEIGHT);
const compositor = createCompositor(composed, () => ({ kind: "blur" }));
let segmenter;
let mask;

/** The mask's value (0-255) at a point of the 640x480 frame. */
function maskAt(x, y) {
  const mx = Math.floor((x / WIDTH) * mask.width);
  const my = Math.floor((y / HEIGHT) * mask.height);
  return mask.data[(my * mask.width + mx) * 4 + 3];
}

/**
 * A canvas draws lazily: reading one pixel back makes it draw what it was told, so that the time
 * of drawing the test picture is not counted, and the time of composing it is.
 */
const flush = (canvas) => canvas.getContext("2d").getImageData(0, 0, 1, 1);

async function timeEach(frames, step) {
  const times = [];
  for (let i = 0; i < frames; i++) {
    drawPerson(context, i, WIDTH, HEIGHT);
    flush(source);
    const started = performance.now();
    await step();
    times.push(performance.now() - started);
  }
  return times;
}

globalThis.bench = {
  async init() {
    const started = performance.now();
    segmenter = await createSegmenter("/effects/");
    drawPerson(context, 0, WIDTH, HEIGHT);
    mask = await segmenter.segment(source);
    return performance.now() - started;
  },
  /** The model alone, the frame scaled down to its 256x144 input first. */
  async run(frames) {
    const times = await timeEach(frames, async () => {
      mask = await segmenter.segment(source);
    });
    return { times, person: maskAt(320, 240), background: maskAt(40, 100) };
  },
};

globalThis.compositing = {
  init: () => 0,
  /** Composing one blurred 640x480 frame from the last mask. */
  async run(frames) {
    const times = await timeEach(frames, () => {
      compositor.draw(source, WIDTH, HEIGHT, mask);
      flush(composed);
    });
    return { times };
  },
};

// The same at 1280x720, what the app asks a camera for (call/local-media.ts).
const hd = new OffscreenCanvas(1280, 720);
const hdContext = hd.getContext("2d");
const hdComposed = new OffscreenCanvas(1280, 720);
const hdCompositor = createCompositor(hdComposed, () => ({ kind: "blur" }));

globalThis.compositingHd = {
  init: () => 0,
  async run(frames) {
    const times = [];
    for (let i = 0; i < frames; i++) {
      drawPerson(hdContext, i, 1280, 720);
      flush(hd);
      const started = performance.now();
      hdCompositor.draw(hd, 1280, 720, mask);
      flush(hdComposed);
      times.push(performance.now() - started);
    }
    return { times };
  },
};
