/**
 * `npm run bench:on-device -- [--frames 60] [--audio-frames 3000]`
 *
 * What the on-device models that npm packages ship would cost a participant's device, measured in
 * Debian's headless Chromium on this machine (docs/on-device-effects.md):
 *   - background segmentation (for blur and replacement): MediaPipe selfie segmentation, model
 *     and WebAssembly from @mediapipe/selfie_segmentation, on 640x480 frames, the camera's size;
 *   - noise suppression: RNNoise from @shiguredo/rnnoise-wasm on 10 ms frames of 48 kHz audio.
 * Both run under the app's CSP plus 'wasm-unsafe-eval' (bench/src/on-device/model-server.ts), so
 * the run also shows that the CSP is all they need. Per model it prints the wall time per frame
 * (median, p90) and the CPU the whole browser used per frame (all its processes, from /proc),
 * against the budget of a real-time stream: one frame interval at 15 fps for video, 10 ms for
 * audio. One JSON object on stdout.
 */
import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS } from "../../e2e/browser.ts";
import { startModelServer } from "./on-device/model-server.ts";
import { descendantsCpuSeconds } from "./on-device/process-cpu.ts";

const { values } = parseArgs({
  options: {
    frames: { type: "string", default: "60" },
    "audio-frames": { type: "string", default: "3000" },
  },
});
const videoFrames = Number(values.frames);
const audioFrames = Number(values["audio-frames"]);

interface RunResult {
  readonly times: number[];
  readonly [other: string]: unknown;
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
const round = (n: number) => Math.round(n * 100) / 100;

/** Loads a model page, times its start, then `frames` frames with the browser's CPU around them. */
async function measure(
  page: Page,
  url: string,
  scripts: readonly string[],
  frames: number,
  budgetMs: number,
) {
  await page.goto(url);
  for (const script of scripts) await page.addScriptTag({ url: script });
  const initMs = await page.evaluate("bench.init()");
  const cpuBefore = descendantsCpuSeconds(process.pid);
  const wallBefore = performance.now();
  const { times, ...checks } = (await page.evaluate(`bench.run(${frames})`)) as RunResult;
  const cpuSeconds = descendantsCpuSeconds(process.pid) - cpuBefore;
  const wallSeconds = (performance.now() - wallBefore) / 1000;
  const sorted = [...times].sort((a, b) => a - b);
  const medianMs = quantile(sorted, 0.5);
  return {
    frames,
    initMs: round(Number(initMs)),
    medianMs: round(medianMs),
    p90Ms: round(quantile(sorted, 0.9)),
    cpuMsPerFrame: round((cpuSeconds * 1000) / frames),
    /** cores busy while it ran flat out (browser CPU over wall time) */
    coresBusy: round(cpuSeconds / wallSeconds),
    budgetMs,
    realTime: medianMs <= budgetMs,
    ...checks,
  };
}

const server = await startModelServer();
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
const errors: string[] = [];
try {
  const page = await (await browser.newContext()).newPage();
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  const segmentation = await measure(
    page,
    `${server.url}/`,
    ["/selfie/selfie_segmentation.js", "/bench/segmentation-page.js"],
    videoFrames,
    1000 / 15,
  );
  const noiseSuppression = await measure(
    page,
    `${server.url}/`,
    ["/bench/rnnoise-page.js"],
    audioFrames,
    10,
  );
  const { loadavg, cpus } = await import("node:os");
  console.log(
    JSON.stringify(
      {
        machine: { cores: cpus().length, loadAverage1m: round(loadavg()[0] ?? 0) },
        segmentation,
        noiseSuppression,
        cspViolations: errors.filter((e) => /Content Security Policy/i.test(e)),
      },
      null,
      2,
    ),
  );
} finally {
  await browser.close();
  await server.close();
}
