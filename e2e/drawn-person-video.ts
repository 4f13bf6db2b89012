/**
 * A Y4M video of the drawn person (e2e/drawn-person.ts) for Chromium's
 * `--use-file-for-fake-video-capture`: the fake camera then shows a head and shoulders over a
 * striped wall, which the background effect can find and blur. The frames are drawn in a blank
 * Chromium page (the drawing's own canvas code) and written as 4:2:0 YUV.
 */
import { writeFile } from "node:fs/promises";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "./browser.ts";
import { drawPerson } from "./drawn-person.ts";

export const VIDEO_WIDTH = 640;
export const VIDEO_HEIGHT = 480;
const FPS = 15;

/** Writes `frames` frames (a sway of the figure, which the fake camera loops) to `path`. */
export async function writeDrawnPersonVideo(path: string, frames = 24): Promise<void> {
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage();
    const yuvFrames = await page.evaluate(
      ({ source, frames, width, height }) => {
        // The drawing's source, compiled in the blank page (no CSP there).
        const draw = new Function(`return (${source})`)() as typeof drawPerson;
        const scope = globalThis as unknown as {
          OffscreenCanvas: new (w: number, h: number) => { getContext(kind: "2d"): unknown };
          btoa(data: string): string;
        };
        const context = new scope.OffscreenCanvas(width, height).getContext("2d") as Parameters<
          typeof drawPerson
        >[0] & {
          getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
        };
        const out: string[] = [];
        for (let i = 0; i < frames; i++) {
          // One whole sway (sin(i/6)) over the loop, so that the loop joins up.
          draw(context, (i * 12 * Math.PI) / frames, width, height);
          const rgba = context.getImageData(0, 0, width, height).data;
          // BT.601 studio range, 4:2:0 (the chroma of the top-left pixel of each 2x2 block).
          const yuv = new Uint8Array((width * height * 3) / 2);
          const u0 = width * height;
          const v0 = u0 + u0 / 4;
          for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) {
              const p = (y * width + x) * 4;
              const r = rgba[p] ?? 0;
              const g = rgba[p + 1] ?? 0;
              const b = rgba[p + 2] ?? 0;
              yuv[y * width + x] = 16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256;
              if (x % 2 === 0 && y % 2 === 0) {
                const c = (y / 2) * (width / 2) + x / 2;
                yuv[u0 + c] = 128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256;
                yuv[v0 + c] = 128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256;
              }
            }
          }
          let binary = "";
          for (let k = 0; k < yuv.length; k += 0x8000) {
            binary += String.fromCharCode(...yuv.subarray(k, k + 0x8000));
          }
          out.push(scope.btoa(binary));
        }
        return out;
      },
      { source: drawPerson.toString(), frames, width: VIDEO_WIDTH, height: VIDEO_HEIGHT },
    );
    const header = `YUV4MPEG2 W${VIDEO_WIDTH} H${VIDEO_HEIGHT} F${FPS}:1 Ip A1:1 C420jpeg\n`;
    const parts: Buffer[] = [Buffer.from(header)];
    for (const frame of yuvFrames) parts.push(Buffer.from("FRAME\n"), Buffer.from(frame, "base64"));
    await writeFile(path, Buffer.concat(parts));
  } finally {
    await browser.close();
  }
}
