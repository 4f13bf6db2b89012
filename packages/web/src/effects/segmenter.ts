/**
 * The person/background mask of a camera frame, computed on the device: MediaPipe's landscape
 * selfie segmentation model (`selfie_segmentation_landscape.tflite`, 144×256, shipped in
 * @mediapipe/selfie_segmentation) run by LiteRT.js (@litertjs/core) on the CPU with WebAssembly
 * SIMD (XNNPACK). The model and the runtime are served from the app's own origin
 * (vite.config.ts copies them into the build); nothing is fetched from anywhere else.
 *
 * MediaPipe's own graph runs the same model through WebGL, which a machine without a GPU emulates
 * in software at ~157 ms a frame; on the CPU the model alone takes a few milliseconds
 * (docs/on-device-effects.md).
 */
import { type CompiledModel, loadAndCompile, loadLiteRt, Tensor } from "@litertjs/core";

/** The model's input: 256 wide, 144 high, RGB in [0, 1]. */
export const MASK_WIDTH = 256;
export const MASK_HEIGHT = 144;

/**
 * The model's uncertain band, mapped to a narrower one: the mask is stretched 2.5–5 times to the
 * frame, and a wide half-transparent band would show the real background around the person.
 * (ImageData clamps what falls outside 0–255.)
 */
const EDGE_LOW = 0.3;
const EDGE_HIGH = 0.7;

/** Where the build puts the model and LiteRT's WebAssembly (vite.config.ts). */
export const EFFECT_ASSETS = "/effects/";
const MODEL_FILE = "selfie_segmentation_landscape.tflite";

export interface Segmenter {
  /**
   * The mask of `source` as an RGBA image of MASK_WIDTH×MASK_HEIGHT whose alpha is the chance
   * that the pixel shows the person (the colour channels are left at 0).
   */
  segment(source: CanvasImageSource): Promise<ImageData>;
  close(): void;
}

let runtime: Promise<unknown> | undefined;

/** LiteRT's WebAssembly is loaded once per page; every segmenter shares it. */
function loadRuntime(assets: string): Promise<unknown> {
  runtime ??= loadLiteRt(assets);
  return runtime;
}

export async function createSegmenter(assets: string = EFFECT_ASSETS): Promise<Segmenter> {
  await loadRuntime(assets);
  const model: CompiledModel = await loadAndCompile(`${assets}${MODEL_FILE}`, {
    accelerator: "wasm",
  });
  const scaler = new OffscreenCanvas(MASK_WIDTH, MASK_HEIGHT);
  const scaled = scaler.getContext("2d", { willReadFrequently: true });
  if (!scaled) throw new Error("no 2D canvas context");
  const pixels = MASK_WIDTH * MASK_HEIGHT;
  const input = new Float32Array(pixels * 3);
  const mask = new ImageData(MASK_WIDTH, MASK_HEIGHT);

  return {
    async segment(source) {
      scaled.drawImage(source, 0, 0, MASK_WIDTH, MASK_HEIGHT);
      const rgba = scaled.getImageData(0, 0, MASK_WIDTH, MASK_HEIGHT).data;
      for (let i = 0, j = 0; i < pixels; i++, j += 4) {
        input[i * 3] = (rgba[j] ?? 0) / 255;
        input[i * 3 + 1] = (rgba[j + 1] ?? 0) / 255;
        input[i * 3 + 2] = (rgba[j + 2] ?? 0) / 255;
      }
      const tensor = new Tensor(input, [1, MASK_HEIGHT, MASK_WIDTH, 3]);
      const [output] = await model.run(tensor);
      tensor.delete();
      if (!output) throw new Error("the segmentation model returned no output");
      const chances = output.toTypedArray();
      output.delete();
      const alpha = mask.data;
      for (let i = 0; i < pixels; i++) {
        alpha[i * 4 + 3] = (((chances[i] ?? 0) - EDGE_LOW) / (EDGE_HIGH - EDGE_LOW)) * 255;
      }
      return mask;
    },
    close() {
      model.delete();
    },
  };
}
